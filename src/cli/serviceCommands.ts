import { Console, Effect, Layer, Logger, References } from "effect"
import { Command } from "effect/cli"
import { AppConfig, appConfig } from "../config/AppConfig.ts"
import { DatabaseToolLive, runMigrations } from "../store/Database.ts"
import { CliPlatform } from "./shared.ts"

// `eventhook serve | migrate | demo`.

export const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function* () {
    const applied = yield* runMigrations
    yield* Console.log(
      applied.length === 0
        ? "migrations: up to date"
        : applied.map(([id, name]) => `applied ${String(id).padStart(4, "0")}_${name}`).join("\n")
    )
  }).pipe(
    // Migrating is this command's job, whatever EVENTHOOK_MIGRATE says.
    Effect.provide(
      DatabaseToolLive.pipe(
        Layer.provide(
          Layer.effect(
            AppConfig,
            Effect.map(appConfig, (config) => ({ ...config, migrate: false }))
          )
        )
      )
    ),
    Effect.provideService(Logger.LogToStderr, true),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  )
).pipe(Command.withDescription("apply the database migrations"))

export const serve = Command.make("serve", {}, () => Effect.flatMap(CliPlatform, (platform) => platform.serve)).pipe(
  Command.withDescription("run the service (the same as `npm start`)")
)
export const demo = Command.make("demo", {}, () => Effect.flatMap(CliPlatform, (platform) => platform.demo)).pipe(
  Command.withDescription("send a signed GitHub webhook through a demo source and show what it started")
)
