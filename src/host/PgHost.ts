import { Effect, Layer, Option, Semaphore } from "effect"
import { type ExecutionKind, ExecutionRepo, IDEMPOTENCY_KEY_TTL_DAYS } from "../store/ExecutionRepo.ts"
import { PromiseRepo } from "../store/PromiseRepo.ts"
import { PromiseResolver } from "../targets/PromiseResolver.ts"
import { TargetFailed } from "../targets/TargetFailed.ts"
import { TaskLauncher } from "../targets/TaskLauncher.ts"
import { type ExecutionLaunch, WorkflowLauncher } from "../targets/WorkflowLauncher.ts"

// The reference host on PostgreSQL (CONTRACT §4, §6): what the standalone server's targets write.

export { IDEMPOTENCY_KEY_TTL_DAYS } from "../store/ExecutionRepo.ts"

const launcher = (kind: ExecutionKind, executions: ExecutionRepo["Service"]) =>
  // Hot path: untraced (README "Fast path").
  Effect.fnUntraced(function* (launch: ExecutionLaunch) {
    const execution = yield* executions.createOnce(kind, {
      tenant_id: launch.tenantId,
      kind: launch.kind,
      queue: launch.queue,
      input: launch.input,
      input_from_event: launch.inputIsEventPayload === true ? (launch.eventId ?? null) : null,
      idempotency_key: launch.idempotencyKey,
      key_ttl_days: IDEMPOTENCY_KEY_TTL_DAYS
    })
    return { executionId: execution.id, created: execution.created }
  })

/** A `PENDING` row in `workflow_execution` per launch, once per idempotency key. */
export const PgWorkflowLauncher = Layer.effect(
  WorkflowLauncher,
  Effect.map(ExecutionRepo, (executions) =>
    WorkflowLauncher.of({ launch: launcher("workflow", executions), referenceTable: "workflow_execution" })
  )
).pipe(Layer.provide(ExecutionRepo.layer))

/** A `PENDING` row in `task_execution` per launch, once per idempotency key. */
export const PgTaskLauncher = Layer.effect(
  TaskLauncher,
  Effect.map(ExecutionRepo, (executions) =>
    TaskLauncher.of({ launch: launcher("task", executions), referenceTable: "task_execution" })
  )
).pipe(Layer.provide(ExecutionRepo.layer))

/** Settlements querying the database at once: they are per event, so they must not take the pool from ingest. */
const SETTLEMENTS_AT_ONCE = 8

/** Settles the `promise` row registered in `idempotency_key` under the key, once. */
export const PgPromiseResolver = Layer.effect(
  PromiseResolver,
  Effect.gen(function* () {
    const promises = yield* PromiseRepo
    const permits = yield* Semaphore.make(SETTLEMENTS_AT_ONCE)
    return PromiseResolver.of({
      settle: Effect.fn("PgPromiseResolver.settle")(
        function* (settlement) {
          const found = yield* promises.findByKey(settlement.tenantId, settlement.key)
          if (Option.isNone(found)) {
            return yield* new TargetFailed({ message: "no promise is registered under this key", retryable: true })
          }
          const changed = yield* promises.settle(
            found.value,
            settlement.outcome.resolve ? { value: settlement.outcome.value } : { error: settlement.outcome.error }
          )
          return { promiseId: found.value, changed }
        },
        Semaphore.withPermits(permits, 1)
      )
    })
  })
).pipe(Layer.provide(PromiseRepo.layer))

/** All three reference targets. */
export const PgHost = Layer.mergeAll(PgWorkflowLauncher, PgTaskLauncher, PgPromiseResolver)
