import { Effect, Layer } from "effect"
import { WorkflowExecutionRepo } from "../store/WorkflowExecutionRepo.ts"
import { WorkflowLauncher } from "../targets/WorkflowLauncher.ts"

// Providers retry for up to three days (Stripe); a week covers every retry schedule we know of.
const IDEMPOTENCY_KEY_TTL_DAYS = 7

/** The reference host: a `PENDING` row in `workflow_execution` per launch, once per idempotency key. */
export const PgWorkflowLauncher = Layer.effect(
  WorkflowLauncher,
  Effect.gen(function* () {
    const executions = yield* WorkflowExecutionRepo
    return WorkflowLauncher.of({
      launch: Effect.fn("PgWorkflowLauncher.launch")(function* (launch) {
        const execution = yield* executions.createOnce({
          tenant_id: launch.tenantId,
          kind: launch.kind,
          queue: launch.queue,
          input: launch.input,
          idempotency_key: launch.idempotencyKey,
          key_ttl_days: IDEMPOTENCY_KEY_TTL_DAYS
        })
        return { executionId: execution.id, created: execution.created }
      })
    })
  })
).pipe(Layer.provide(WorkflowExecutionRepo.layer))
