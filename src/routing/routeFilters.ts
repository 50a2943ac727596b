import { memoize } from "effect/Function"
import {
  type CompiledExpression,
  compileExpression,
  describeProblem,
  type ExpressionInput,
  type ExpressionProblem,
  isProblem
} from "./routeExpression.ts"

/** What a route's expressions need of it. */
export interface ExpressiveRoute {
  readonly filter: string | null
  readonly transform: string | null
}

interface CompiledRoute {
  readonly filter: CompiledExpression<boolean> | ExpressionProblem | null
  readonly transform: CompiledExpression<unknown> | ExpressionProblem | null
}

// A cached route is one immutable object per version, so its expressions compile once; a new version (or the
// config cache dropping the old) is a new object.
const compiledOf = memoize(
  (route: ExpressiveRoute): CompiledRoute => ({
    filter: route.filter === null ? null : compileExpression("filter", route.filter),
    transform: route.transform === null ? null : compileExpression("transform", route.transform)
  })
)

export type FilterDecision =
  | { readonly _tag: "Match" }
  | { readonly _tag: "NoMatch" }
  /** The filter could not say: no match, recorded as a `skipped` action with the reason. */
  | { readonly _tag: "Skip"; readonly reason: string }

const MATCH: FilterDecision = { _tag: "Match" }
const NO_MATCH: FilterDecision = { _tag: "NoMatch" }

/** Whether the route's filter lets the event through (a route without one always does). */
export const decideFilter = (route: ExpressiveRoute, input: () => ExpressionInput): FilterDecision => {
  if (route.filter === null) return MATCH
  const { filter } = compiledOf(route)
  if (filter === null) return MATCH
  if (isProblem(filter)) return { _tag: "Skip", reason: `invalid ${describeProblem(filter)}` }
  const evaluated = filter.evaluate(input())
  if (!evaluated.ok) return { _tag: "Skip", reason: `filter: ${evaluated.reason}` }
  return evaluated.value ? MATCH : NO_MATCH
}

export type TransformResult =
  | { readonly _tag: "Payload" }
  | { readonly _tag: "Transformed"; readonly value: unknown }
  | { readonly _tag: "Failed"; readonly reason: string }

const PAYLOAD: TransformResult = { _tag: "Payload" }

/** The target's input: the transform's value, or the payload as it is when the route has none. */
export const applyTransform = (route: ExpressiveRoute, input: () => ExpressionInput): TransformResult => {
  if (route.transform === null) return PAYLOAD
  const { transform } = compiledOf(route)
  if (transform === null) return PAYLOAD
  if (isProblem(transform)) return { _tag: "Failed", reason: `invalid ${describeProblem(transform)}` }
  const evaluated = transform.evaluate(input())
  return evaluated.ok
    ? { _tag: "Transformed", value: evaluated.value }
    : { _tag: "Failed", reason: `transform: ${evaluated.reason}` }
}

/** What an expression sees of an event of a source. */
export const expressionInputOf = (
  event: {
    readonly parsed_payload: unknown
    readonly headers: Readonly<Record<string, string>>
    readonly event_type: string | null
    readonly received_at: Date
  },
  sourceSlug: string
): ExpressionInput => ({
  body: event.parsed_payload,
  headers: event.headers,
  event_type: event.event_type ?? "",
  source: sourceSlug,
  received_at: event.received_at
})

/**
 * Why a route's expressions cannot be stored, or undefined: each must compile, and a transform must reach its
 * target (an `http` target sends the exact bytes received unless its `body` is `parsed`).
 */
export const routeExpressionProblem = (route: {
  readonly filter: string | null
  readonly transform: string | null
  readonly target_type: string
  readonly target_config: unknown
}): string | undefined => {
  for (const [field, text] of [
    ["filter", route.filter],
    ["transform", route.transform]
  ] as const) {
    if (text === null) continue
    const compiled = compileExpression(field as "filter", text)
    if (isProblem(compiled)) return describeProblem(compiled)
  }
  const sendsRawBytes =
    route.target_type === "http" && (route.target_config as { readonly body?: unknown } | null)?.body !== "parsed"
  if (route.transform !== null && sendsRawBytes)
    return 'transform: an http target sends the exact bytes received; set target_config.body to "parsed" to send the transform\'s value'
  return undefined
}
