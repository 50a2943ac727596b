import { Command } from "effect/cli"
import { events } from "./eventsCommands.ts"
import { listen } from "./listenCommand.ts"
import { route } from "./routeCommands.ts"
import { secrets } from "./secretsCommands.ts"
import { demo, migrate, serve } from "./serviceCommands.ts"
import { source } from "./sourceCommands.ts"
import { tenant } from "./tenantCommands.ts"

export { CliPlatform, isOperatorError } from "./shared.ts"

export const eventhookCli = Command.make("eventhook").pipe(
  Command.withDescription("Eventhook: webhook ingestion and routing — operator commands"),
  Command.withSubcommands([serve, migrate, demo, tenant, source, route, events, secrets, listen])
)
