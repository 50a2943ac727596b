import { Effect, Predicate, Result } from "effect"
import { memoize } from "effect/Function"
import type { EventForProcessing } from "../domain/Event.ts"
import type { ActionStatus } from "../domain/EventAction.ts"
import type { EnabledRoute, Route } from "../domain/Route.ts"
import { resolvePath, resolvePathValue } from "../domain/resolvePath.ts"
import { sealedTargetKeyIds } from "../domain/secretFields.ts"
import { decodeTargetConfig, HTTP_TIMEOUT_DEFAULT_MS, type HttpTargetConfig } from "../domain/TargetConfig.ts"
import { applyTransform, expressionInputOf } from "../routing/routeFilters.ts"
import { HttpSender } from "./HttpSender.ts"
import { deliveryOutcome, deliveryRequestOf } from "./httpDelivery.ts"
import { PromiseResolver } from "./PromiseResolver.ts"
import type { TargetFailed } from "./TargetFailed.ts"
import { TaskLauncher } from "./TaskLauncher.ts"
import { WorkflowLauncher } from "./WorkflowLauncher.ts"

export interface ActionOutcome extends LinkedIds {
  readonly status: Exclude<ActionStatus, "pending">
  readonly error_message: string | null
  /** For a failure: whether a later retry may succeed. */
  readonly retryable: boolean
  /** For a retryable failure: not before this many seconds (a destination's `Retry-After`). */
  readonly retry_after_seconds: number | null
}

interface LinkedIds {
  readonly workflow_execution_id: string | null
  readonly task_execution_id: string | null
  readonly promise_id: string | null
  readonly response_status: number | null
  readonly response_ms: number | null
  readonly response_body: string | null
}
const none: LinkedIds = {
  workflow_execution_id: null,
  task_execution_id: null,
  promise_id: null,
  response_status: null,
  response_ms: null,
  response_body: null
}

export const failedOutcome = (message: string, retryable: boolean): ActionOutcome => ({
  status: "failed",
  ...none,
  error_message: message,
  retryable,
  retry_after_seconds: null
})
const failed = failedOutcome
const fromTargetFailure = (error: TargetFailed) => Effect.succeed(failed(error.message, error.retryable))
const succeeded = (ids: Partial<LinkedIds>): ActionOutcome => ({
  status: "success",
  ...none,
  ...ids,
  error_message: null,
  retryable: false,
  retry_after_seconds: null
})

const DEFAULT_REJECTION = "Rejected via webhook"

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

/** A workflow or task: one execution per idempotency key, input = the payload (or the route's transform of it). */
const launchOnce = (
  launcher: WorkflowLauncher["Service"] | TaskLauncher["Service"],
  route: Route,
  event: EventForProcessing,
  payload: unknown,
  target: { readonly kind: string; readonly queue?: string; readonly idempotency_key_path?: string }
) =>
  launcher.launch({
    tenantId: event.tenant_id,
    kind: target.kind,
    queue: target.queue ?? "default",
    input: payload,
    idempotencyKey: actionIdempotencyKey(route, event, target.idempotency_key_path),
    eventId: event.id,
    inputIsEventPayload: payload === event.parsed_payload
  })

/**
 * An `http` target: the event sent to the destination, the answer recorded on the action. A generator function
 * made once, not per delivery (see verifyGithub.ts).
 */
const deliver = Effect.fnUntraced(function* (
  route: Route,
  event: EventForProcessing,
  payload: unknown,
  config: HttpTargetConfig
) {
  const sender = yield* HttpSender
  const request = deliveryRequestOf(
    config,
    {
      eventId: event.id,
      routeId: route.id,
      contentType: event.content_type,
      rawPayload: event.raw_payload,
      parsedPayload: payload,
      headers: event.headers
    },
    Math.floor(Date.now() / 1000)
  )
  const outcome = deliveryOutcome(yield* sender.send(request), Date.now())
  return { ...none, ...outcome } satisfies ActionOutcome
})

/**
 * The longest a route's action may take before the processor gives up on it: an `http` target's own timeout
 * and its wait for a slot, else the processor's bound for every target.
 */
export const actionTimeoutMs = (route: Route, fallbackMs: number): number => {
  const target = targetConfigOf(route)
  return Result.isSuccess(target) && target.success.type === "http"
    ? Math.max(fallbackMs, (target.success.config.timeout_ms ?? HTTP_TIMEOUT_DEFAULT_MS) + 5_000)
    : fallbackMs
}

// A cached route is the same (immutable) object for every event, so its target config is decoded once.
export const targetConfigOf = memoize((route: Route) => decodeTargetConfig(route.target_type, route.target_config))

/** Runs one matched route's target for an event. Failures are outcomes, recorded on the action row. */
// Hot path: untraced (README "Fast path").
export const executeRoute = Effect.fnUntraced(function* (route: EnabledRoute, event: EventForProcessing) {
  // Fail closed: a target secret this instance cannot open is never sent as it is, nor left out.
  const sealed = sealedTargetKeyIds(route.target_type, route.target_config)
  if (sealed.length > 0)
    return failed(`a secret of the target is encrypted under key ${sealed.join(", ")}, which is not configured`, false)
  const target = targetConfigOf(route)
  if (Result.isFailure(target)) return failed(`invalid target_config: ${target.failure}`, false)
  // A transform that fails will fail the same way next time: not retried.
  const transformed = applyTransform(route, () => expressionInputOf(event, route.source_slug))
  if (transformed._tag === "Failed") return failed(transformed.reason, false)
  const payload = transformed._tag === "Transformed" ? transformed.value : event.parsed_payload
  const input = { headers: event.headers, body: event.parsed_payload }
  switch (target.success.type) {
    case "workflow": {
      const { config } = target.success
      const launcher = yield* WorkflowLauncher
      return yield* launchOnce(launcher, route, event, payload, { kind: config.workflow_kind, ...config }).pipe(
        Effect.map(({ executionId }) => succeeded({ workflow_execution_id: executionId })),
        Effect.catchTag("TargetFailed", fromTargetFailure)
      )
    }
    case "task": {
      const { config } = target.success
      const launcher = yield* TaskLauncher
      return yield* launchOnce(launcher, route, event, payload, { kind: config.task_kind, ...config }).pipe(
        Effect.map(({ executionId }) => succeeded({ task_execution_id: executionId })),
        Effect.catchTag("TargetFailed", fromTargetFailure)
      )
    }
    case "promise": {
      const { config } = target.success
      const keyValue = resolvePath(config.idempotency_key_path, input)
      if (keyValue === null) return failed(`${config.idempotency_key_path} does not resolve to a key`, false)
      const errorText = config.error_path === undefined ? undefined : resolvePathValue(config.error_path, input)
      const resolver = yield* PromiseResolver
      return yield* resolver
        .settle({
          tenantId: event.tenant_id,
          key: `${config.idempotency_key_prefix ?? ""}${keyValue}`,
          outcome: config.resolve
            ? {
                resolve: true,
                value:
                  config.value_path === undefined
                    ? payload
                    : resolvePathValue(config.value_path, { headers: event.headers, body: payload })
              }
            : { resolve: false, error: Predicate.isString(errorText) ? errorText : DEFAULT_REJECTION }
        })
        .pipe(
          Effect.map(({ promiseId }) => succeeded({ promise_id: promiseId })),
          Effect.catchTag("TargetFailed", fromTargetFailure)
        )
    }
    case "http":
      return yield* deliver(route, event, payload, target.success.config)
  }
})
