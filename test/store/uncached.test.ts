import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Data, Effect } from "effect"
import { textArray, uuidArray } from "../../src/store/columnArrays.ts"
import { runUncached } from "../../src/store/uncached.ts"
import { TestDatabase } from "../support/TestLayers.ts"

// runUncached compiles a hot statement apart from the client's compiler and sends it on a pooled connection
// (src/store/uncached.ts). It must still be the statement the client would have run: its parameters bound in
// order, prepared or not, and — inside a transaction — on the transaction's own connection, not a fresh one.

class RolledBack extends Data.TaggedError("RolledBack")<{ readonly insideBackend: number }> {}

const backendPid = (sql: PgClient.PgClient) =>
  runUncached(sql, sql<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`).pipe(
    Effect.map((rows) => rows[0]!.pid)
  )

describe("runUncached", () => {
  it.effect("binds a statement's parameters in order, prepared and unprepared, and returns its rows", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const ids = ["0190a4b6-0000-7000-8000-000000000001", "0190a4b6-0000-7000-8000-000000000002"]
      const statement = () => sql<{ readonly id: string; readonly label: string; readonly n: number }>`
        SELECT v.id::text AS id, v.label, ${7}::int AS n
        FROM unnest(${uuidArray(ids)}, ${textArray(["first", 'second "quoted"'])}) AS v (id, label)
        ORDER BY v.label`
      for (const mode of ["prepared", "unprepared"] as const) {
        const rows = yield* runUncached(sql, statement(), mode)
        assert.deepStrictEqual(
          rows.map((row) => ({ ...row })),
          [
            { id: ids[0]!, label: "first", n: 7 },
            { id: ids[1]!, label: 'second "quoted"', n: 7 }
          ],
          mode
        )
      }
    }).pipe(Effect.provide(TestDatabase))
  )

  it.effect("inside a transaction it runs on the transaction's connection, and is rolled back with it", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const table = `uncached_${Date.now()}`
      yield* sql.unsafe(`CREATE TABLE ${table} (n int)`)
      const insideBackend = yield* Effect.gen(function* () {
        const [transactionPid] = yield* sql<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`
        yield* runUncached(sql, sql`INSERT INTO ${sql(table)} (n) VALUES (${1})`)
        const insideBackend = yield* backendPid(sql)
        assert.strictEqual(insideBackend, transactionPid!.pid)
        return yield* new RolledBack({ insideBackend })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("RolledBack", (rolledBack) => Effect.succeed(rolledBack.insideBackend))
      )
      const rows = yield* sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM ${sql(table)}`
      assert.strictEqual(rows[0]!.count, 0)
      // Outside, it takes a connection of the pool: the row it inserts is committed on its own.
      yield* runUncached(sql, sql`INSERT INTO ${sql(table)} (n) VALUES (${2})`)
      const after = yield* sql<{ readonly n: number }>`SELECT n FROM ${sql(table)}`
      assert.deepStrictEqual(
        after.map((row) => row.n),
        [2]
      )
      assert.isAbove(insideBackend, 0)
      yield* sql.unsafe(`DROP TABLE ${table}`)
    }).pipe(Effect.provide(TestDatabase))
  )
})
