import { Result } from "effect"
import type { EventForProcessing, LaunchAtIngest, ProcessedAtIngest } from "../domain/Event.ts"
import { newRowId } from "../domain/ids.ts"
import type { EnabledRoute } from "../domain/Route.ts"
import { selectRoutes, tiersOf } from "../routing/matchRoutes.ts"
import { applyTransform, expressionInputOf } from "../routing/routeFilters.ts"
import { actionIdempotencyKey, targetConfigOf } from "../targets/executeRoute.ts"

// Processed at ingest (issue 22): when every route an event matches starts a workflow or creates a task of the
// reference host, its processing is rows in the same database that nothing outside it can make fail. The
// event's own statement then writes them with it — the executions, their idempotency keys, the actions, and the
// event as `delivered` (or `unrouted`, when nothing matched) — so the 200 that follows the commit follows its
// processing too, and the event needs no lease, hand-over, second and third statement, or sweep. Anything else (an
// `http` or `promise` target, a filter that cannot decide, a transform that fails, a key taken from the payload,
// which may name an execution that exists already) is processed after the response, as ever.

/** Which targets the reference host runs here (in Eventhook's own database). */
export interface ReferenceTargets {
  readonly workflow: boolean
  readonly task: boolean
}

/**
 * The processing of a new event, when its statement can do all of it (see above); null when it must be processed
 * after the response. `event` has the id it will be stored under.
 */
export const processAtIngest = (
  routes: ReadonlyArray<EnabledRoute>,
  event: EventForProcessing,
  reference: ReferenceTargets
): ProcessedAtIngest | null => {
  const selected = selectRoutes(routes, event)
  if (selected.skipped.length > 0) return null
  const launches: Array<LaunchAtIngest> = []
  for (const route of tiersOf(selected.matched).flat()) {
    const target = targetConfigOf(route)
    if (Result.isFailure(target)) return null
    const { type, config } = target.success
    if (type !== "workflow" && type !== "task") return null
    if (!reference[type] || config.idempotency_key_path !== undefined) return null
    const transformed = applyTransform(route, () => expressionInputOf(event, route.source_slug))
    if (transformed._tag === "Failed") return null
    launches.push({
      route_id: route.id,
      target_type: type,
      execution_id: newRowId(),
      kind: type === "workflow" ? config.workflow_kind : config.task_kind,
      queue: config.queue ?? "default",
      transformed: transformed._tag === "Transformed" ? { value: transformed.value } : null,
      idempotency_key: actionIdempotencyKey(route, event, undefined)
    })
  }
  return { status: launches.length === 0 ? "unrouted" : "delivered", launches }
}
