import type { Route } from "../domain/Route.ts"

/** A route matches when it filters on no event type, or on this one (CONTRACT §7). */
export const routeMatches = (route: Pick<Route, "filter_event_types">, eventType: string | null): boolean =>
  route.filter_event_types === null ||
  route.filter_event_types.length === 0 ||
  (eventType !== null && route.filter_event_types.includes(eventType))

const byPriority = <R extends Pick<Route, "priority" | "created_at" | "id">>(a: R, b: R): number =>
  b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The matching routes in tiers of equal priority, highest first; within a tier by `created_at`, then `id`.
 * A tier runs concurrently; the next starts when it has finished.
 */
export const routeTiers = <R extends Pick<Route, "priority" | "created_at" | "id" | "filter_event_types">>(
  routes: ReadonlyArray<R>,
  eventType: string | null
): ReadonlyArray<ReadonlyArray<R>> => {
  const tiers: Array<Array<R>> = []
  for (const route of routes.filter((route) => routeMatches(route, eventType)).sort(byPriority)) {
    const last = tiers.at(-1)
    if (last !== undefined && last[0]!.priority === route.priority) last.push(route)
    else tiers.push([route])
  }
  return tiers
}
