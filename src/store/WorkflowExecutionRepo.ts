import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Schema } from "effect"
import type { TenantId, WorkflowExecutionId } from "../domain/ids.ts"

export interface NewWorkflowExecution {
  readonly tenant_id: TenantId
  readonly kind: string
  readonly queue: string
  readonly input: unknown
  readonly idempotency_key: string
  readonly key_ttl_days: number
}

const Row = Schema.Struct({ id: Schema.NullOr(Schema.String) })
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

export class WorkflowExecutionRepo extends Context.Service<
  WorkflowExecutionRepo,
  {
    /**
     * Creates a `PENDING` execution unless the tenant's idempotency key already names one; then that one is
     * returned. Claim and create share a transaction, and the unique `(tenant_id, key)` decides races.
     */
    readonly createOnce: (
      execution: NewWorkflowExecution
    ) => Effect.Effect<{ readonly id: WorkflowExecutionId; readonly created: boolean }>
  }
>()("eventhook/store/WorkflowExecutionRepo") {
  static readonly layer = Layer.effect(
    WorkflowExecutionRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const createOnce = Effect.fn("WorkflowExecutionRepo.createOnce")(
        function* (execution: NewWorkflowExecution) {
          const claimed = yield* sql`
            INSERT INTO idempotency_key (tenant_id, key, expires_at)
            VALUES (${execution.tenant_id}, ${execution.idempotency_key},
                    now() + make_interval(days => ${execution.key_ttl_days}))
            ON CONFLICT (tenant_id, key) DO NOTHING
            RETURNING NULL::text AS id`.pipe(Effect.flatMap(decodeRows))
          if (claimed.length === 0) {
            const [existing] = yield* sql`
              SELECT workflow_execution_id::text AS id FROM idempotency_key
              WHERE tenant_id = ${execution.tenant_id} AND key = ${execution.idempotency_key}`.pipe(
              Effect.flatMap(decodeRows)
            )
            if (existing?.id) return { id: existing.id as WorkflowExecutionId, created: false }
            return yield* Effect.die(
              new Error(`idempotency key of tenant ${execution.tenant_id} is held but names no workflow execution`)
            )
          }
          const [created] = yield* sql`
            WITH execution AS (
              INSERT INTO workflow_execution (tenant_id, kind, queue, status, input)
              VALUES (${execution.tenant_id}, ${execution.kind}, ${execution.queue}, 'PENDING',
                      ${execution.input === null || execution.input === undefined ? null : sql.json(execution.input)})
              RETURNING id
            )
            UPDATE idempotency_key SET workflow_execution_id = (SELECT id FROM execution)
            WHERE tenant_id = ${execution.tenant_id} AND key = ${execution.idempotency_key}
            RETURNING workflow_execution_id::text AS id`.pipe(Effect.flatMap(decodeRows))
          return { id: created!.id as WorkflowExecutionId, created: true }
        },
        sql.withTransaction,
        Effect.orDie
      )
      return WorkflowExecutionRepo.of({ createOnce })
    })
  )
}
