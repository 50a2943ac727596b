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

/** Resolves a `header.`/`body.` path to a string, or `null` when it does not resolve to a string or number. */
export const resolvePath = (path: string, input: PathInput): string | null => {
  if (path.startsWith("header.")) return input.headers[path.slice("header.".length).toLowerCase()] ?? null
  if (path.startsWith("body.")) {
    return bodyKeyText(input.body, path.slice("body.".length).split("."), input.exactIntegers === true)
  }
  return null
}

/** The raw value at a path (any JSON for `body.`), for targets that pass values on. */
export const resolvePathValue = (path: string, input: PathInput): unknown => {
  if (path.startsWith("header.")) return input.headers[path.slice("header.".length).toLowerCase()]
  if (path.startsWith("body.")) return valueAtBodyPath(input.body, path.slice("body.".length).split("."))
  return undefined
}

/** The text value of a top-level field of a body just parsed, when it is a string or number (integers exact). */
export const bodyField = (body: unknown, field: string): string | null => bodyKeyText(body, [field], true)
