import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Schema } from "effect"
import type { TenantId } from "../domain/ids.ts"

/** The reference host's two execution tables (CONTRACT §4), which have the same shape. */
export type ExecutionKind = "workflow" | "task"

export interface NewExecution {
  readonly tenant_id: TenantId
  readonly kind: string
  readonly queue: string
  readonly input: unknown
  readonly idempotency_key: string
  readonly key_ttl_days: number
}

const Row = Schema.Struct({ id: Schema.NullOr(Schema.String) })
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

export class ExecutionRepo extends Context.Service<
  ExecutionRepo,
  {
    /**
     * Creates a `PENDING` execution unless the tenant's idempotency key already names one; then that one is
     * returned. Claim and create are one statement, and the unique `(tenant_id, key)` decides races.
     */
    readonly createOnce: (
      kind: ExecutionKind,
      execution: NewExecution
    ) => Effect.Effect<{ readonly id: string; readonly created: boolean }>
  }
>()("eventhook/store/ExecutionRepo") {
  static readonly layer = Layer.effect(
    ExecutionRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const tables = {
        workflow: { table: sql("workflow_execution"), keyColumn: sql("workflow_execution_id") },
        task: { table: sql("task_execution"), keyColumn: sql("task_execution_id") }
      }
      const createOnce = Effect.fn("ExecutionRepo.createOnce")(function* (
        kind: ExecutionKind,
        execution: NewExecution
      ) {
        const { table, keyColumn } = tables[kind]
        // One statement: the key is claimed already naming the execution (its id chosen here), and the
        // execution is created only when the claim succeeded. The foreign key is checked at the end of the
        // statement, when both rows exist; the unique (tenant_id, key) decides races.
        const id = crypto.randomUUID()
        const [created] = yield* sql`
            WITH claimed AS (
              INSERT INTO idempotency_key (tenant_id, key, expires_at, ${keyColumn})
              VALUES (${execution.tenant_id}, ${execution.idempotency_key},
                      now() + make_interval(days => ${execution.key_ttl_days}), ${id}::uuid)
              ON CONFLICT (tenant_id, key) DO NOTHING
              RETURNING tenant_id
            ), created AS (
              INSERT INTO ${table} (id, tenant_id, kind, queue, status, input)
              SELECT ${id}::uuid, tenant_id, ${execution.kind}, ${execution.queue}, 'PENDING',
                     ${execution.input === null || execution.input === undefined ? null : sql.json(execution.input)}
              FROM claimed
              RETURNING id
            )
            SELECT id::text AS id FROM created`.pipe(Effect.flatMap(decodeRows))
        if (created?.id) return { id: created.id, created: true }
        const [existing] = yield* sql`
            SELECT ${keyColumn}::text AS id FROM idempotency_key
            WHERE tenant_id = ${execution.tenant_id} AND key = ${execution.idempotency_key}`.pipe(
          Effect.flatMap(decodeRows)
        )
        if (existing?.id) return { id: existing.id, created: false }
        return yield* Effect.die(
          new Error(`idempotency key of tenant ${execution.tenant_id} is held but names no ${kind} execution`)
        )
      }, Effect.orDie)
      return ExecutionRepo.of({ createOnce })
    })
  )
}
