import { Context, type Effect, Schema } from "effect"
import type { TenantId, WorkflowExecutionId } from "../domain/ids.ts"

export interface WorkflowLaunch {
  readonly tenantId: TenantId
  readonly kind: string
  readonly queue: string
  readonly input: unknown
  /** The same key must return the same execution, never start a second one. */
  readonly idempotencyKey: string
}

export class TargetFailed extends Schema.TaggedError<TargetFailed>()("TargetFailed", {
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

/** Starts a workflow for a matched route. The standalone server provides the PostgreSQL reference host. */
export class WorkflowLauncher extends Context.Service<
  WorkflowLauncher,
  {
    readonly launch: (
      launch: WorkflowLaunch
    ) => Effect.Effect<{ readonly executionId: WorkflowExecutionId; readonly created: boolean }, TargetFailed>
  }
>()("eventhook/targets/WorkflowLauncher") {}
