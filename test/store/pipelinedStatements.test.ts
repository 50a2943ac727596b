import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { pipelinedStatements } from "../../src/store/uncached.ts"
import { TestDatabase } from "../support/TestLayers.ts"

// Ingest's statements may be pipelined on a connection of their own (src/store/uncached.ts, issue 22). What a
// request's 200 relies on must hold there too: each statement commits or fails on its own, in the order sent, on
// one backend; and a statement inside a transaction still belongs to the transaction.

const backendsNamed = (sql: PgClient.PgClient, applicationName: string) =>
  sql<{ readonly pid: number; readonly wait_event_type: string | null }>`
    SELECT pid, wait_event_type FROM pg_stat_activity WHERE application_name = ${applicationName}`

describe("pipelined statements", () => {
  it.live("a statement waits behind the one sent before it on the same backend, and each commits or fails alone", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const table = `pipelined_${Date.now()}`
        const applicationName = `eventhook pipeline test ${Date.now()}`
        yield* sql.unsafe(`CREATE TABLE ${table} (n int PRIMARY KEY)`)
        yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP TABLE IF EXISTS ${table}`)))
        const run = yield* pipelinedStatements(sql, { depth: 4, applicationName })
        // Another session holds row 1, uncommitted: the pipeline's insert of 1 waits for it.
        const release = yield* Deferred.make<void>()
        const holding = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(
          Effect.gen(function* () {
            yield* sql`INSERT INTO ${sql(table)} (n) VALUES (1)`
            yield* Deferred.succeed(holding, undefined)
            yield* Deferred.await(release)
          }).pipe(sql.withTransaction)
        )
        yield* Deferred.await(holding)
        const first = yield* Effect.forkChild(run(sql`INSERT INTO ${sql(table)} (n) VALUES (1) RETURNING n`))
        yield* Effect.eventually(
          backendsNamed(sql, applicationName).pipe(
            Effect.flatMap((rows) => (rows[0]?.wait_event_type === "Lock" ? Effect.void : Effect.fail("not waiting")))
          )
        )
        const second = yield* Effect.forkChild(
          run(sql<{ readonly n: number }>`INSERT INTO ${sql(table)} (n) VALUES (2) RETURNING n`)
        )
        yield* Effect.sleep("200 millis")
        // The second is not answered while the first waits: the two share one backend, one after the other.
        assert.isUndefined(second.pollUnsafe())
        const backends = yield* backendsNamed(sql, applicationName)
        assert.strictEqual(backends.length, 1)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        // The first fails (row 1 is taken by then); the second, sent behind it, is committed all the same.
        const firstExit = yield* Fiber.await(first)
        assert.isTrue(Exit.isFailure(firstExit))
        assert.deepStrictEqual(
          (yield* Fiber.join(second)).map((row) => row.n),
          [2]
        )
        const rows = yield* sql<{ readonly n: number }>`SELECT n FROM ${sql(table)} ORDER BY n`
        assert.deepStrictEqual(
          rows.map((row) => row.n),
          [1, 2]
        )
      })
    ).pipe(Effect.provide(TestDatabase))
  )

  it.effect("inside a transaction a statement runs on the transaction's connection, and is rolled back with it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const table = `pipelined_tx_${Date.now()}`
        yield* sql.unsafe(`CREATE TABLE ${table} (n int)`)
        yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP TABLE IF EXISTS ${table}`)))
        const run = yield* pipelinedStatements(sql, { depth: 4, applicationName: "eventhook pipeline tx test" })
        const rolledBack = yield* Effect.gen(function* () {
          const [outer] = yield* sql<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`
          yield* run(sql`INSERT INTO ${sql(table)} (n) VALUES (1)`)
          const [inner] = yield* run(sql<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`)
          assert.strictEqual(inner!.pid, outer!.pid)
          return yield* Effect.fail("roll back" as const)
        }).pipe(sql.withTransaction, Effect.flip)
        assert.strictEqual(rolledBack, "roll back")
        const rows = yield* sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM ${sql(table)}`
        assert.strictEqual(rows[0]!.count, 0)
      })
    ).pipe(Effect.provide(TestDatabase))
  )
})
