import { Predicate } from "effect"

// CONTRACT §6: `header.<name>` (case-insensitive) or `body.<dot.path>` (numeric segments index arrays). Only
// string and number values count; numbers are written in decimal.

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

export interface PathInput {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: unknown
}

/** Resolves a `header.`/`body.` path to a string, or `null` when it does not resolve to a string or number. */
export const resolvePath = (path: string, input: PathInput): string | null => {
  if (path.startsWith("header.")) return input.headers[path.slice("header.".length).toLowerCase()] ?? null
  if (path.startsWith("body.")) return asKeyText(valueAtBodyPath(input.body, path.slice("body.".length).split(".")))
  return null
}

/** The raw value at a path (any JSON for `body.`), for targets that pass values on. */
export const resolvePathValue = (path: string, input: PathInput): unknown => {
  if (path.startsWith("header.")) return input.headers[path.slice("header.".length).toLowerCase()]
  if (path.startsWith("body.")) return valueAtBodyPath(input.body, path.slice("body.".length).split("."))
  return undefined
}

/** The text value of a top-level body field, when it is a string or number. */
export const bodyField = (body: unknown, field: string): string | null => asKeyText(valueAtBodyPath(body, [field]))
