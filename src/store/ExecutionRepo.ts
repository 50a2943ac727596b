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
     * returned. Claim and create share a transaction, and the unique `(tenant_id, key)` decides races.
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
      const createOnce = Effect.fn("ExecutionRepo.createOnce")(
        function* (kind: ExecutionKind, execution: NewExecution) {
          const { table, keyColumn } = tables[kind]
          const claimed = yield* sql`
            INSERT INTO idempotency_key (tenant_id, key, expires_at)
            VALUES (${execution.tenant_id}, ${execution.idempotency_key},
                    now() + make_interval(days => ${execution.key_ttl_days}))
            ON CONFLICT (tenant_id, key) DO NOTHING
            RETURNING NULL::text AS id`.pipe(Effect.flatMap(decodeRows))
          if (claimed.length === 0) {
            const [existing] = yield* sql`
              SELECT ${keyColumn}::text AS id FROM idempotency_key
              WHERE tenant_id = ${execution.tenant_id} AND key = ${execution.idempotency_key}`.pipe(
              Effect.flatMap(decodeRows)
            )
            if (existing?.id) return { id: existing.id, created: false }
            return yield* Effect.die(
              new Error(`idempotency key of tenant ${execution.tenant_id} is held but names no ${kind} execution`)
            )
          }
          const [created] = yield* sql`
            WITH execution AS (
              INSERT INTO ${table} (tenant_id, kind, queue, status, input)
              VALUES (${execution.tenant_id}, ${execution.kind}, ${execution.queue}, 'PENDING',
                      ${execution.input === null || execution.input === undefined ? null : sql.json(execution.input)})
              RETURNING id
            )
            UPDATE idempotency_key SET ${keyColumn} = (SELECT id FROM execution)
            WHERE tenant_id = ${execution.tenant_id} AND key = ${execution.idempotency_key}
            RETURNING ${keyColumn}::text AS id`.pipe(Effect.flatMap(decodeRows))
          return { id: created!.id!, created: true }
        },
        sql.withTransaction,
        Effect.orDie
      )
      return ExecutionRepo.of({ createOnce })
    })
  )
}
