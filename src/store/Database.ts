import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option } from "effect"
import { Migrator } from "effect/sql"
import initial from "../../migrations/0001_initial.ts"
import verifiedSecretIndex from "../../migrations/0002_verified_secret_index.ts"
import eventLeases from "../../migrations/0003_event_leases.ts"
import sourceRateLimits from "../../migrations/0004_source_rate_limits.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { embeddedPostgres } from "./EmbeddedPostgres.ts"

// The record loader needs only SqlClient, so migrations run the same under Node, Deno and bundles.
export const migrations = Migrator.fromRecord({
  "0001_initial": initial,
  "0002_verified_secret_index": verifiedSecretIndex,
  "0003_event_leases": eventLeases,
  "0004_source_rate_limits": sourceRateLimits
})

export const runMigrations = Migrator.make({})({ loader: migrations })

/** PostgreSQL at `DATABASE_URL`, else the embedded cluster in `EVENTHOOK_DATA_DIR`. */
export const PgLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const url = Option.isSome(config.databaseUrl)
      ? config.databaseUrl.value
      : (yield* embeddedPostgres(config.dataDir)).url
    return PgClient.layer({ url, maxConnections: 20, connectTimeout: "5 seconds", applicationName: "eventhook" })
  })
)

/** The SQL client, migrated first unless `EVENTHOOK_MIGRATE=false`. */
export const DatabaseLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    if (config.migrate) {
      const applied = yield* runMigrations
      for (const [id, name] of applied)
        yield* Effect.logInfo(`migration ${String(id).padStart(4, "0")}_${name} applied`)
    }
  })
).pipe(Layer.provideMerge(PgLive))
