import { Context, type Effect } from "effect"
import type { EventId, TenantId } from "../domain/ids.ts"
import type { TargetFailed } from "./TargetFailed.ts"

export { TargetFailed } from "./TargetFailed.ts"

/** What a workflow or task target asks of the host. */
export interface ExecutionLaunch {
  readonly tenantId: TenantId
  readonly kind: string
  readonly queue: string
  readonly input: unknown
  /** The same key must return the same execution, never start a second one. */
  readonly idempotencyKey: string
  /** The event whose route launches it. */
  readonly eventId?: EventId
  /**
   * `input` is that event's stored `parsed_payload`, as it is (no transform): a host on Eventhook's database may
   * copy it from the event row rather than write it again (the reference host does).
   */
  readonly inputIsEventPayload?: boolean
}
export type WorkflowLaunch = ExecutionLaunch

export interface Launched {
  readonly executionId: string
  /** False when the key named an execution that already existed. */
  readonly created: boolean
}

/** What a workflow or task launcher is. */
export interface Launcher {
  readonly launch: (launch: ExecutionLaunch) => Effect.Effect<Launched, TargetFailed>
  /**
   * Set by the reference host alone (PgHost): a launch is a `PENDING` row of its table in Eventhook's own
   * database, which ingest may write in the new event's statement (src/processing/processAtIngest.ts).
   */
  readonly referenceTable?: "workflow_execution" | "task_execution"
}

/** Starts a workflow for a matched route. The standalone server provides the PostgreSQL reference host. */
export class WorkflowLauncher extends Context.Service<WorkflowLauncher, Launcher>()(
  "eventhook/targets/WorkflowLauncher"
) {}
