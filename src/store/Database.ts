import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option } from "effect"
import { Migrator, type SqlClient } from "effect/sql"
import initial from "../../migrations/0001_initial.ts"
import verifiedSecretIndex from "../../migrations/0002_verified_secret_index.ts"
import eventLeases from "../../migrations/0003_event_leases.ts"
import sourceRateLimits from "../../migrations/0004_source_rate_limits.ts"
import configNotify from "../../migrations/0005_config_notify.ts"
import sweepIndexes from "../../migrations/0006_sweep_indexes.ts"
import actionResponses from "../../migrations/0007_action_responses.ts"
import traceParent from "../../migrations/0008_trace_parent.ts"
import routeExpressions from "../../migrations/0009_route_expressions.ts"
import lz4Payloads from "../../migrations/0010_lz4_payloads.ts"
import idempotencyKeyReferences from "../../migrations/0011_idempotency_key_references.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { embeddedPostgres } from "./EmbeddedPostgres.ts"
import { exactJsonTypes } from "./exactJson.ts"

// The record loader needs only SqlClient, so migrations run the same under Node, Deno and bundles.
export const migrations = Migrator.fromRecord({
  "0001_initial": initial,
  "0002_verified_secret_index": verifiedSecretIndex,
  "0003_event_leases": eventLeases,
  "0004_source_rate_limits": sourceRateLimits,
  "0005_config_notify": configNotify,
  "0006_sweep_indexes": sweepIndexes,
  "0007_action_responses": actionResponses,
  "0008_trace_parent": traceParent,
  "0009_route_expressions": routeExpressions,
  "0010_lz4_payloads": lz4Payloads,
  "0011_idempotency_key_references": idempotencyKeyReferences
})

export const runMigrations = Migrator.make({})({ loader: migrations })

/**
 * How every Eventhook pool talks to PostgreSQL (the tests' too). One statement at a time per connection: sql-pg's
 * `multiplex` (statements of concurrent fibers pipelined on a connection) was measured against it on the bench
 * (issue 7): once batches were sent as column arrays it no longer raised throughput, cost Node ~7 % more CPU per
 * event, and a statement queued behind a slower one on its connection raised the ack p99 at 1,000 req/s
 * (median of runs 37 → 25 ms). With EVENTHOOK_INGEST_PIPELINE (off by default), ingest's writer adds a connection of
 * its own, pipelined (EventWriter, issue 22): there the next batch is ready before the one in flight commits, which
 * the pool's fibers were not.
 */
export const poolOptions = { applicationName: "eventhook", types: exactJsonTypes() } as const

const pgLayer = (options: { readonly borrowRunningEmbedded: boolean; readonly maxConnections: number }) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const url = Option.isSome(config.databaseUrl)
        ? config.databaseUrl.value
        : (yield* embeddedPostgres(config.dataDir, { stopAdopted: !options.borrowRunningEmbedded })).url
      return PgClient.layer({
        url,
        maxConnections: options.maxConnections,
        connectTimeout: "5 seconds",
        ...poolOptions
      })
    })
  )

const migratedFirst = <E, R>(pg: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, E, R>) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const config = yield* AppConfig
      if (config.migrate) {
        const applied = yield* runMigrations
        for (const [id, name] of applied)
          yield* Effect.logInfo(`migration ${String(id).padStart(4, "0")}_${name} applied`)
      }
    })
  ).pipe(Layer.provideMerge(pg))

/** PostgreSQL at `DATABASE_URL`, else the embedded cluster in `EVENTHOOK_DATA_DIR`. */
export const PgLive = pgLayer({ borrowRunningEmbedded: false, maxConnections: 20 })

/** The SQL client, migrated first unless `EVENTHOOK_MIGRATE=false`. */
export const DatabaseLive = migratedFirst(PgLive)

/**
 * The same database for a tool (the CLI): an embedded cluster the service is running is borrowed and left
 * running; one the tool had to start is stopped when it ends.
 */
export const DatabaseToolLive = migratedFirst(pgLayer({ borrowRunningEmbedded: true, maxConnections: 4 }))
