import { setFlagsFromString } from "node:v8"
import { Environment } from "@marcbachmann/cel-js"
import { BudgetExceeded, plainJson, readable, startBudget, stepsUsed } from "./celValues.ts"

// A route's `filter` and `transform` (issue 21): CEL expressions, compiled once per route version and evaluated
// per event. CEL has no loops of its own and always ends, but a hostile expression or payload could still make a
// worker busy for long; these limits bound it (README "Route filters and transforms" has the measured worst case):
//
// - the text: at most 2,048 characters, 500 syntax nodes, 24 levels of nesting, list literals of 100 elements and
//   map literals of 100 entries (checked when the expression is written, and again when a row from plain SQL is
//   first used);
// - comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) nest at most two deep;
// - no `cel.bind` (it doubles a string per level), `split`, `join` or `json` (results not bounded by the payload);
// - reading the payload costs steps (celValues.ts), at most 100,000 per evaluation;
// - `matches` runs on V8's backtracking engine, which falls back to its linear-time engine after too many
//   backtracks (the flag below), so a pattern such as `(a+)+$` cannot stall a worker on a hostile string.

export const EXPRESSION_LIMITS = {
  maxLength: 2_048,
  maxAstNodes: 500,
  maxDepth: 24,
  maxListElements: 100,
  maxMapEntries: 100,
  maxComprehensionNesting: 2,
  maxSteps: 100_000
} as const

// Not available everywhere (Deno ignores some V8 flags set at run time); where it is not, `matches` keeps V8's
// backtracking engine.
try {
  setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks")
} catch {}

const environment = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: {
    maxAstNodes: EXPRESSION_LIMITS.maxAstNodes,
    maxDepth: EXPRESSION_LIMITS.maxDepth,
    maxListElements: EXPRESSION_LIMITS.maxListElements,
    maxMapEntries: EXPRESSION_LIMITS.maxMapEntries,
    maxCallArguments: 16
  }
})
  .registerVariable("body", "dyn")
  .registerVariable("headers", "map<string, string>")
  .registerVariable("event_type", "string")
  .registerVariable("source", "string")
  .registerVariable("received_at", "google.protobuf.Timestamp")

export type ExpressionField = "filter" | "transform"

/** Why an expression was refused: the field, where in it (1-based line and column), and what is wrong. */
export interface ExpressionProblem {
  readonly field: ExpressionField
  readonly line: number
  readonly column: number
  readonly message: string
}

export const describeProblem = (problem: ExpressionProblem) =>
  `${problem.field}: line ${problem.line}, column ${problem.column}: ${problem.message}`

/** What an expression sees of an event. */
export interface ExpressionInput {
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
  /** The event's type, `""` when it has none. */
  readonly event_type: string
  /** The source's slug. */
  readonly source: string
  readonly received_at: Date
}

export type Evaluation<A> =
  | { readonly ok: true; readonly value: A; readonly steps: number }
  | { readonly ok: false; readonly reason: string; readonly steps: number }

export interface CompiledExpression<A> {
  readonly field: ExpressionField
  readonly text: string
  readonly evaluate: (input: ExpressionInput) => Evaluation<A>
}

type Ast = { readonly op: string; readonly args: unknown; readonly pos?: number }

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"])
const UNBOUNDED = new Map([
  ["bind", "cel.bind is not allowed in route expressions (each level can double a value)"],
  ["split", "split is not allowed in route expressions (its result is not bounded by the payload)"],
  ["join", "join is not allowed in route expressions (its result is not bounded by the payload)"],
  ["json", "json is not allowed in route expressions (it parses text into values of any size)"]
])

const isAst = (value: unknown): value is Ast =>
  typeof value === "object" && value !== null && typeof (value as Ast).op === "string"

const childrenOf = (value: unknown): ReadonlyArray<unknown> =>
  Array.isArray(value) ? value.flatMap(childrenOf) : isAst(value) ? [value] : []

/** The first node that breaks a structural rule, with the reason. */
const structuralProblem = (node: Ast, nesting: number): { node: Ast; message: string } | undefined => {
  if (node.op === "rcall" || node.op === "call") {
    const [name, ...rest] = node.args as ReadonlyArray<unknown>
    const refusal = typeof name === "string" ? UNBOUNDED.get(name) : undefined
    if (refusal !== undefined) return { node, message: refusal }
    if (node.op === "rcall" && typeof name === "string" && COMPREHENSIONS.has(name)) {
      if (nesting + 1 > EXPRESSION_LIMITS.maxComprehensionNesting)
        return {
          node,
          message: `comprehensions nest at most ${EXPRESSION_LIMITS.maxComprehensionNesting} deep in route expressions`
        }
      const [receiver, args] = rest
      for (const child of childrenOf(receiver)) {
        const found = structuralProblem(child as Ast, nesting)
        if (found !== undefined) return found
      }
      for (const child of childrenOf(args)) {
        const found = structuralProblem(child as Ast, nesting + 1)
        if (found !== undefined) return found
      }
      return undefined
    }
  }
  for (const child of childrenOf(node.args)) {
    const found = structuralProblem(child as Ast, nesting)
    if (found !== undefined) return found
  }
  return undefined
}

const lineAndColumn = (text: string, offset: number) => {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split("\n")
  return { line: lines.length, column: lines.at(-1)!.length + 1 }
}

const firstLine = (message: string) => message.split("\n")[0]!.trim()

const problemAt = (field: ExpressionField, text: string, offset: number, message: string): ExpressionProblem => ({
  field,
  ...lineAndColumn(text, offset),
  message
})

const offsetOf = (error: unknown): number => {
  const node = (error as { readonly node?: { readonly pos?: unknown } } | null)?.node
  return typeof node?.pos === "number" ? node.pos : 0
}

const typeOf = (value: unknown) =>
  value === null ? "null" : typeof value === "bigint" ? "int" : Array.isArray(value) ? "list" : typeof value

const isMap = (value: unknown) =>
  value instanceof Map ||
  (typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)))

const RESULT_CHECKS = {
  filter: {
    types: (type: string) => type === "bool" || type === "dyn",
    expected: "a bool",
    accept: (value: unknown): value is boolean => typeof value === "boolean"
  },
  transform: {
    types: (type: string) => type === "dyn" || type === "map" || type.startsWith("map<"),
    expected: "a map",
    accept: isMap
  }
} as const

/**
 * Parses and checks an expression for `field`: a filter must give a bool, a transform a map. A problem names the
 * field, the line and column, and the reason.
 */
export function compileExpression(field: "filter", text: string): CompiledExpression<boolean> | ExpressionProblem
export function compileExpression(field: "transform", text: string): CompiledExpression<unknown> | ExpressionProblem
export function compileExpression(
  field: ExpressionField,
  text: string
): CompiledExpression<unknown> | ExpressionProblem {
  if (text.length > EXPRESSION_LIMITS.maxLength)
    return problemAt(
      field,
      text,
      EXPRESSION_LIMITS.maxLength,
      `longer than ${EXPRESSION_LIMITS.maxLength} characters (${text.length})`
    )
  if (text.trim() === "") return problemAt(field, text, 0, "empty expression")
  let parsed: ReturnType<typeof environment.parse>
  try {
    parsed = environment.parse(text)
  } catch (error) {
    return problemAt(field, text, offsetOf(error), firstLine(String((error as Error).message ?? error)))
  }
  const structural = structuralProblem(parsed.ast as unknown as Ast, 0)
  if (structural !== undefined) return problemAt(field, text, structural.node.pos ?? 0, structural.message)
  const checked = parsed.check()
  if (!checked.valid)
    return problemAt(field, text, offsetOf(checked.error), firstLine(String(checked.error?.message ?? "invalid")))
  const result = RESULT_CHECKS[field]
  const type = checked.type ?? "dyn"
  if (!result.types(type)) return problemAt(field, text, 0, `gives ${type}; a ${field} must give ${result.expected}`)
  const evaluate = (input: ExpressionInput): Evaluation<unknown> => {
    startBudget(EXPRESSION_LIMITS.maxSteps)
    try {
      const value: unknown = parsed({
        body: typeof input.body === "object" && input.body !== null ? readable(input.body) : input.body,
        headers: input.headers,
        event_type: input.event_type,
        source: input.source,
        received_at: input.received_at
      })
      if (!result.accept(value))
        return { ok: false, reason: `gave ${typeOf(value)}, not ${result.expected}`, steps: stepsUsed() }
      return { ok: true, value: field === "transform" ? plainJson(value) : value, steps: stepsUsed() }
    } catch (error) {
      const reason =
        error instanceof BudgetExceeded ? error.message : firstLine(String((error as Error)?.message ?? error))
      return { ok: false, reason, steps: stepsUsed() }
    }
  }
  return { field, text, evaluate }
}

export const isProblem = (compiled: CompiledExpression<unknown> | ExpressionProblem): compiled is ExpressionProblem =>
  "message" in compiled
