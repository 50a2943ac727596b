import { Predicate } from "effect"
import { exactIntegerText } from "./exactIntegers.ts"

// CONTRACT §6: `header.<name>` (case-insensitive) or `body.<dot.path>` (numeric segments index arrays). Only
// string and number values count; numbers are written in decimal, integers above 2^53 with the digits received.

const asKeyText = (value: unknown): string | null => {
  if (Predicate.isString(value)) return value
  if (Predicate.isNumber(value) && Number.isFinite(value)) {
    return Number.isInteger(value) ? BigInt(value).toString() : String(value)
  }
  return null
}

/** The value at a dot path of a parsed body; numeric segments index arrays. */
export const valueAtBodyPath = (body: unknown, segments: ReadonlyArray<string>): unknown => {
  let current: unknown = body
  for (const segment of segments) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)]
    else if (Predicate.isObject(current) && !Array.isArray(current) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment]
    } else return undefined
  }
  return current
}

/** The key text at a dot path of a parsed body: a string, or a number's decimal digits. */
const bodyKeyText = (body: unknown, segments: ReadonlyArray<string>, exactIntegers: boolean): string | null => {
  const holder = valueAtBodyPath(body, segments.slice(0, -1))
  const key = segments.at(-1) ?? ""
  return (exactIntegers ? exactIntegerText(holder, key) : undefined) ?? asKeyText(valueAtBodyPath(holder, [key]))
}

export interface PathInput {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: unknown
  /**
   * Integers above 2^53 as received rather than as doubles: ingest's event types and dedupe keys, read from the
   * body just parsed. (Targets read the stored payload, whose numbers are doubles however they arrive.)
   */
  readonly exactIntegers?: boolean
}

/** A path as it is looked up: a header's lower-cased name, or the segments of a body path. */
export type ParsedPath =
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "body"; readonly segments: ReadonlyArray<string> }
  | { readonly kind: "none" }

// Paths come from configs (a handful per source and route) and are looked up per event: each is parsed once. The
// bound only guards against a caller that passes endless distinct paths.
const parsed = new Map<string, ParsedPath>()
const MAX_PARSED = 10_000

/** `header.X-Name` → the header `x-name`; `body.a.0.b` → the segments `a`, `0`, `b`; anything else, none. */
export const parseValuePath = (path: string): ParsedPath => {
  const known = parsed.get(path)
  if (known !== undefined) return known
  const result: ParsedPath = path.startsWith("header.")
    ? { kind: "header", name: path.slice("header.".length).toLowerCase() }
    : path.startsWith("body.")
      ? { kind: "body", segments: path.slice("body.".length).split(".") }
      : { kind: "none" }
  if (parsed.size >= MAX_PARSED) parsed.clear()
  parsed.set(path, result)
  return result
}

/** Resolves a `header.`/`body.` path to a string, or `null` when it does not resolve to a string or number. */
export const resolvePath = (path: string, input: PathInput): string | null => {
  const at = parseValuePath(path)
  if (at.kind === "header") return input.headers[at.name] ?? null
  if (at.kind === "body") return bodyKeyText(input.body, at.segments, input.exactIntegers === true)
  return null
}

/** The raw value at a path (any JSON for `body.`), for targets that pass values on. */
export const resolvePathValue = (path: string, input: PathInput): unknown => {
  const at = parseValuePath(path)
  if (at.kind === "header") return input.headers[at.name]
  if (at.kind === "body") return valueAtBodyPath(input.body, at.segments)
  return undefined
}

/** The text value of a top-level field of a body just parsed, when it is a string or number (integers exact). */
export const bodyField = (body: unknown, field: string): string | null => bodyKeyText(body, [field], true)
