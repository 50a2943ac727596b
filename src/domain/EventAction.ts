import { Schema } from "effect"
import { EventActionId, EventId, RouteId } from "./ids.ts"

export const ActionStatus = Schema.Literals(["pending", "success", "failed", "skipped"])
export type ActionStatus = typeof ActionStatus.Type

/** A row of `p_eventhook__event_action`: one execution of one route's target for one event. */
export const EventAction = Schema.Struct({
  id: EventActionId,
  event_id: EventId,
  route_id: Schema.NullOr(RouteId),
  target_type: Schema.String,
  status: ActionStatus,
  workflow_execution_id: Schema.NullOr(Schema.String),
  task_execution_id: Schema.NullOr(Schema.String),
  promise_id: Schema.NullOr(Schema.String),
  error_message: Schema.NullOr(Schema.String),
  /** An `http` target's answer: its status, how long it took, the first 1 KiB of its body. */
  response_status: Schema.NullOr(Schema.Int),
  response_ms: Schema.NullOr(Schema.Int),
  response_body: Schema.NullOr(Schema.String),
  started_at: Schema.NullOr(Schema.Date),
  completed_at: Schema.NullOr(Schema.Date)
})
export type EventAction = typeof EventAction.Type
