import { Effect, Result } from "effect"
import type { EventForProcessing } from "../domain/Event.ts"
import type { ActionStatus } from "../domain/EventAction.ts"
import type { Route } from "../domain/Route.ts"
import { decodeTargetConfig } from "../domain/TargetConfig.ts"
import { resolvePath } from "../ingest/valuePath.ts"
import { WorkflowLauncher } from "./WorkflowLauncher.ts"

export interface ActionOutcome {
  readonly status: Exclude<ActionStatus, "pending">
  readonly workflow_execution_id: string | null
  readonly task_execution_id: string | null
  readonly promise_id: string | null
  readonly error_message: string | null
}

const failed = (message: string): ActionOutcome => ({
  status: "failed",
  workflow_execution_id: null,
  task_execution_id: null,
  promise_id: null,
  error_message: message
})

/**
 * The idempotency key of one route's action on one event: the value at the configured path (scoped to the
 * route, so two routes never share a row), else derived from event and route, so a retried action finds the
 * row its first attempt created.
 */
export const actionIdempotencyKey = (
  route: Pick<Route, "id">,
  event: Pick<EventForProcessing, "id" | "headers" | "parsed_payload">,
  path: string | undefined
): string => {
  const value = path === undefined ? null : resolvePath(path, { headers: event.headers, body: event.parsed_payload })
  return value === null ? `eventhook:${event.id}:${route.id}` : `eventhook:${route.id}:${value}`
}

/** Runs one matched route's target for an event. Failures are outcomes, recorded on the action row. */
export const executeRoute = Effect.fn("executeRoute")(function* (route: Route, event: EventForProcessing) {
  const target = decodeTargetConfig(route.target_type, route.target_config)
  if (Result.isFailure(target)) return failed(`invalid target_config: ${target.failure}`)
  switch (target.success.type) {
    case "workflow": {
      const { config } = target.success
      const launcher = yield* WorkflowLauncher
      return yield* launcher
        .launch({
          tenantId: event.tenant_id,
          kind: config.workflow_kind,
          queue: config.queue ?? "default",
          input: event.parsed_payload,
          idempotencyKey: actionIdempotencyKey(route, event, config.idempotency_key_path)
        })
        .pipe(
          Effect.map(
            ({ executionId }): ActionOutcome => ({
              status: "success",
              workflow_execution_id: executionId,
              task_execution_id: null,
              promise_id: null,
              error_message: null
            })
          ),
          Effect.catchTag("TargetFailed", (error) => Effect.succeed(failed(error.message)))
        )
    }
    case "task":
    case "promise":
      // The processing engine (issue 4) brings the task and promise targets; until then the action fails
      // visibly rather than pretending to succeed.
      return failed(`target_type ${target.success.type} is not supported yet`)
  }
})
