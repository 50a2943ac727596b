import { Config, Context, Effect, Layer, Logger, Option, References, Schema } from "effect"
import { Flag } from "effect/cli"
import { AppConfig } from "../config/AppConfig.ts"
import { ConflictResponse, InvalidRequestResponse, NotFoundResponse } from "../domain/operatorErrors.ts"
import { EventhookOperatorTools } from "../Eventhook.ts"
import { DatabaseToolLive } from "../store/Database.ts"

// `eventhook …` (issue 6): the operator's commands, against the database directly with the server's own
// configuration (DATABASE_URL, else the embedded cluster in EVENTHOOK_DATA_DIR, borrowed when the service runs).
// Every command that changes or reads data goes through the same services as the admin API, so both surfaces
// validate and answer alike.

/** An operator error: printed as `error: <message>`, and the process exits 1. */
export type OperatorError = InvalidRequestResponse | NotFoundResponse | ConflictResponse

export const isOperatorError = (error: unknown): error is OperatorError =>
  error instanceof InvalidRequestResponse || error instanceof NotFoundResponse || error instanceof ConflictResponse

/** What the CLI needs of its platform: serving, the demo, and raw bytes to stdout. */
export class CliPlatform extends Context.Service<
  CliPlatform,
  {
    readonly serve: Effect.Effect<void>
    readonly demo: Effect.Effect<void>
    readonly writeStdout: (bytes: Uint8Array) => Effect.Effect<void>
  }
>()("eventhook/cli/CliPlatform") {}

export const ToolLayer = EventhookOperatorTools.pipe(
  Layer.provideMerge(DatabaseToolLive),
  Layer.provide(AppConfig.layer)
)

/** Runs an operator effect against the database; warnings go to stderr so stdout stays the command's output. */
export const operate = <A, E extends OperatorError, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.provide(ToolLayer),
    Effect.provideService(Logger.LogToStderr, true),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  )

export const jsonFlag = Flag.Boolean("json").pipe(
  Flag.withDescription("print JSON (the admin API's shapes) for scripts"),
  Flag.withDefault(false)
)
export const tenantFlag = Flag.String("tenant").pipe(
  Flag.withAlias("t"),
  Flag.withDescription("tenant slug (default: $EVENTHOOK_TENANT)"),
  Flag.withFallbackConfig(Config.String("EVENTHOOK_TENANT"))
)
export const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
export const optionalInt = (name: string, description: string) =>
  Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)
/** Only the flags that were given, under their API names. */
export const given = (entries: Record<string, Option.Option<unknown>>) =>
  Object.fromEntries(
    Object.entries(entries).flatMap(([key, value]) => (Option.isSome(value) ? [[key, value.value]] : []))
  )
export const list = (text: Option.Option<string>) =>
  Option.map(text, (value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")
  )
/** An optional flag that takes JSON, decoded by the flag itself (a value that is not JSON is a flag error). */
export const optionalJson = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withSchema(Schema.fromJsonString(Schema.Unknown)),
    Flag.withDescription(`${description} (JSON)`),
    Flag.optional
  )
