import { decideFilter, type ExpressiveRoute, expressionInputOf } from "./routeFilters.ts"

/** What matching needs of a route. */
export interface MatchableRoute {
  readonly id: string
  readonly priority: number
  readonly created_at: Date
  readonly filter_event_types: ReadonlyArray<string> | null
}

/** A route matches when it filters on no event type, or on this one (CONTRACT §7). */
export const routeMatches = (route: Pick<MatchableRoute, "filter_event_types">, eventType: string | null): boolean =>
  route.filter_event_types === null ||
  route.filter_event_types.length === 0 ||
  (eventType !== null && route.filter_event_types.includes(eventType))

const byPriority = (a: MatchableRoute, b: MatchableRoute): number =>
  b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * Routes already matched, in tiers of equal priority, highest first; within a tier by `created_at`, then `id`.
 * A tier runs concurrently; the next starts when it has finished.
 */
export const tiersOf = <R extends MatchableRoute>(routes: ReadonlyArray<R>): ReadonlyArray<ReadonlyArray<R>> => {
  const tiers: Array<Array<R>> = []
  for (const route of [...routes].sort(byPriority)) {
    const last = tiers.at(-1)
    if (last !== undefined && last[0]!.priority === route.priority) last.push(route)
    else tiers.push([route])
  }
  return tiers
}

/** The routes matching an event type (no CEL filter), in tiers (`tiersOf`). */
export const routeTiers = <R extends MatchableRoute>(
  routes: ReadonlyArray<R>,
  eventType: string | null
): ReadonlyArray<ReadonlyArray<R>> => tiersOf(routes.filter((route) => routeMatches(route, eventType)))

/** A route the event's type matched but whose filter could not decide: recorded as `skipped`, with the reason. */
export interface SkippedRoute<R> {
  readonly route: R
  readonly reason: string
}

/**
 * The routes an event matches: its type first (`filter_event_types`), then each route's CEL filter. What the
 * expressions see is built only when a route has one.
 */
export const selectRoutes = <R extends MatchableRoute & ExpressiveRoute & { readonly source_slug: string }>(
  routes: ReadonlyArray<R>,
  event: Parameters<typeof expressionInputOf>[0]
): { readonly matched: ReadonlyArray<R>; readonly skipped: ReadonlyArray<SkippedRoute<R>> } => {
  const matched: Array<R> = []
  const skipped: Array<SkippedRoute<R>> = []
  for (const route of routes) {
    if (!routeMatches(route, event.event_type)) continue
    const decision = decideFilter(route, () => expressionInputOf(event, route.source_slug))
    if (decision._tag === "Match") matched.push(route)
    else if (decision._tag === "Skip") skipped.push({ route, reason: decision.reason })
  }
  return { matched, skipped }
}
