import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"

export class DatabaseHealth extends Context.Service<
  DatabaseHealth,
  {
    /** Whether the database answers a trivial query within a short bound. */
    readonly ping: Effect.Effect<boolean>
    /**
     * Eventhook's connections as the server sees them (`pg_stat_activity`, every instance's), by state: `active`
     * (running a statement), `idle`, `idle in transaction`.
     */
    readonly connections: Effect.Effect<ReadonlyArray<{ readonly state: string; readonly count: number }>>
  }
>()("eventhook/store/DatabaseHealth") {
  static readonly layer = Layer.effect(
    DatabaseHealth,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const ping = sql`SELECT 1`.pipe(
        Effect.timeout("2 seconds"),
        Effect.as(true),
        Effect.catchCause(() => Effect.succeed(false))
      )
      const connections = sql<{ state: string; count: number }>`
        SELECT coalesce(state, 'unknown') AS state, count(*)::int AS count FROM pg_stat_activity
        WHERE application_name = 'eventhook' AND pid <> pg_backend_pid() GROUP BY 1`.pipe(
        Effect.map((rows) => rows.map((row) => ({ state: row.state, count: Number(row.count) }))),
        Effect.orDie
      )
      return DatabaseHealth.of({ ping, connections })
    })
  )
}
