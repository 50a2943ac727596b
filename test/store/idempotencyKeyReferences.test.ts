import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { freshTenant, selectRows, TestDatabase } from "../support/TestLayers.ts"

// Migration 0011: `idempotency_key` has no foreign keys (issue 22); triggers keep what they did on delete. A tenant's
// keys go with it; a deleted execution or promise leaves its key naming none; nothing else changes.

const Layers = TenantRepo.layer.pipe(Layer.provideMerge(TestDatabase))

const KeyRow = Schema.Struct({
  key: Schema.String,
  workflow: Schema.NullOr(Schema.String),
  task: Schema.NullOr(Schema.String),
  promise: Schema.NullOr(Schema.String)
})

const keysOf = (tenantId: string) =>
  selectRows(
    KeyRow,
    (sql) => sql`
      SELECT key, workflow_execution_id::text AS workflow, task_execution_id::text AS task, promise_id::text AS promise
      FROM idempotency_key WHERE tenant_id = ${tenantId} ORDER BY key`
  )

/** A workflow, a task and a promise, each under a key of its own, and a second workflow under a fourth. */
const keyedTargets = (tenantId: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    // A row of `table` for the tenant, its `named` column set to `name`; its id.
    const row = (table: string, named: string, name: string) =>
      Effect.map(
        sql<{ readonly id: string }>`INSERT INTO ${sql(table)} (tenant_id, ${sql(named)})
          VALUES (${tenantId}, ${name}) RETURNING id::text AS id`,
        (rows) => rows[0]!.id
      )
    const workflow = yield* row("workflow_execution", "kind", "w")
    const other = yield* row("workflow_execution", "kind", "w")
    const task = yield* row("task_execution", "kind", "t")
    const promise = yield* row("promise", "name", "p")
    const key = (name: string, column: string, id: string) =>
      sql`INSERT INTO idempotency_key (tenant_id, key, expires_at, ${sql(column)})
        VALUES (${tenantId}, ${name}, now() + interval '1 day', ${id})`
    yield* key("a-workflow", "workflow_execution_id", workflow)
    yield* key("b-other", "workflow_execution_id", other)
    yield* key("c-task", "task_execution_id", task)
    yield* key("d-promise", "promise_id", promise)
    return { workflow, other, task, promise }
  })

describe("idempotency keys without foreign keys (migration 0011)", () => {
  it.effect("a deleted execution or promise leaves its key naming none; other keys keep theirs", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const tenant = yield* freshTenant
      const ids = yield* keyedTargets(tenant.id)
      yield* sql`DELETE FROM workflow_execution WHERE id = ${ids.workflow}`
      yield* sql`DELETE FROM task_execution WHERE id = ${ids.task}`
      yield* sql`DELETE FROM promise WHERE id = ${ids.promise}`
      assert.deepStrictEqual(yield* keysOf(tenant.id), [
        { key: "a-workflow", workflow: null, task: null, promise: null },
        { key: "b-other", workflow: ids.other, task: null, promise: null },
        { key: "c-task", workflow: null, task: null, promise: null },
        { key: "d-promise", workflow: null, task: null, promise: null }
      ])
    }).pipe(Effect.provide(Layers))
  )

  it.effect("a deleted tenant's keys are deleted with it, and only its own", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [gone, kept] = [yield* freshTenant, yield* freshTenant]
      yield* keyedTargets(gone.id)
      const keptIds = yield* keyedTargets(kept.id)
      yield* sql`DELETE FROM tenant WHERE id = ${gone.id}`
      assert.deepStrictEqual(yield* keysOf(gone.id), [])
      assert.deepStrictEqual(yield* keysOf(kept.id), [
        { key: "a-workflow", workflow: keptIds.workflow, task: null, promise: null },
        { key: "b-other", workflow: keptIds.other, task: null, promise: null },
        { key: "c-task", workflow: null, task: keptIds.task, promise: null },
        { key: "d-promise", workflow: null, task: null, promise: keptIds.promise }
      ])
    }).pipe(Effect.provide(Layers))
  )
})
