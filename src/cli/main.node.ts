import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { gracefulTeardown } from "../Eventhook.ts"
import { NodeEventhookServer } from "../server.node.ts"
import { CliPlatform, eventhookCli, isOperatorError } from "./commands.ts"

const demoScript = fileURLToPath(new URL("../../scripts/demo.ts", import.meta.url))

const NodeCliPlatform = Layer.succeed(
  CliPlatform,
  CliPlatform.of({
    serve: Layer.launch(NodeEventhookServer).pipe(Effect.orDie),
    demo: Effect.callback<void>((resume) => {
      if (!existsSync(demoScript)) {
        console.error("the demo runs from a clone of the repository (`npm run demo`)")
        process.exitCode = 1
        return resume(Effect.void)
      }
      const child = spawn(process.execPath, [demoScript], { stdio: "inherit" })
      child.on("exit", (code) => {
        process.exitCode = code ?? 1
        resume(Effect.void)
      })
    }),
    writeStdout: (bytes) =>
      Effect.callback<void>((resume) => void process.stdout.write(bytes, () => resume(Effect.void)))
  })
)

// An operator error is one line on stderr and exit code 1, not a stack trace.
const program = Command.run(eventhookCli, { version: "0.1.0" }).pipe(
  Effect.catchIf(isOperatorError, (error) =>
    Console.error(`error: ${error.message}`).pipe(
      Effect.andThen(
        Effect.sync(() => {
          process.exitCode = 1
        })
      )
    )
  ),
  Effect.provide(Layer.merge(NodeServices.layer, NodeCliPlatform))
)

NodeRuntime.runMain(program, { teardown: gracefulTeardown })
