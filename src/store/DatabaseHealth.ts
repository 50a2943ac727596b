import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"

export class DatabaseHealth extends Context.Service<
  DatabaseHealth,
  { /** Whether the database answers a trivial query within a short bound. */ readonly ping: Effect.Effect<boolean> }
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
      return DatabaseHealth.of({ ping })
    })
  )
}
