// JSON numbers are read as doubles, which round integers above 2^53: a provider id like Shopify's
// 820982911946154508 would be read as 820982911946154496, and two deliveries whose ids differ only in their last
// digits would share a dedupe key. The exact digits of such integers are kept beside the parsed body (the body
// itself is unchanged), for key and event-type paths.

const exactDigits = new WeakMap<object, Map<string, string>>()
// Only a body with a run of 16 digits can hold an integer above 2^53 (9007199254740992); others parse plainly.
const LONG_DIGIT_RUN = /\d{16}/
const INTEGER = /^-?\d+$/

function keepLargeInteger(this: unknown, key: string, value: unknown, context?: { readonly source?: string }) {
  const source = context?.source
  if (typeof value === "number" && !Number.isSafeInteger(value) && source !== undefined && INTEGER.test(source)) {
    if (typeof this === "object" && this !== null) rememberExactInteger(this, key, source)
  }
  return value
}

/** Values parsed from a text with a long digit run: only these may hold rounded integers. */
const mayHoldLargeIntegers = new WeakSet<object>()

/** `JSON.parse`, remembering the exact digits of the integers it rounds (see `exactIntegerText`). */
export const parseJsonKeepingLargeIntegers = (text: string): unknown => {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text)
  const value: unknown = JSON.parse(text, keepLargeInteger)
  if (typeof value === "object" && value !== null) mayHoldLargeIntegers.add(value)
  return value
}

/** Marks a value built from parsed payloads (a transform's) as one that may hold rounded integers. */
export const markMayHoldLargeIntegers = (value: object) => {
  mayHoldLargeIntegers.add(value)
}

/** Remembers the exact digits of the integer at `holder[key]`, written by `stringifyKeepingLargeIntegers`. */
export const rememberExactInteger = (holder: object, key: string, digits: string) => {
  const known = exactDigits.get(holder) ?? new Map<string, string>()
  known.set(key, digits)
  exactDigits.set(holder, known)
}

// JSON.rawJSON (ES2025; Node ≥ 21, Deno 2) writes text as a JSON value as it is; TypeScript's ES2024 lib lacks it.
const rawJSON = (JSON as unknown as { readonly rawJSON: (text: string) => unknown }).rawJSON

function writeExactDigits(this: unknown, key: string, value: unknown) {
  const digits = typeof value === "number" ? exactIntegerText(this, key) : undefined
  return digits === undefined ? value : rawJSON(digits)
}

/**
 * `JSON.stringify` that writes the integers `parseJsonKeepingLargeIntegers` rounded with their exact digits, so a
 * payload stored, forwarded or handed to a target keeps ids above 2^53 as they were received.
 */
export const stringifyKeepingLargeIntegers = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null && mayHoldLargeIntegers.has(value)
    ? JSON.stringify(value, writeExactDigits)
    : JSON.stringify(value)

/** The exact digits of the integer at `holder[key]` when parsing rounded it; otherwise undefined. */
export const exactIntegerText = (holder: unknown, key: string): string | undefined =>
  typeof holder === "object" && holder !== null ? exactDigits.get(holder)?.get(key) : undefined

const withRawIntegers = (value: unknown, holder: unknown, key: string): unknown => {
  if (typeof value === "number") {
    const digits = exactIntegerText(holder, key)
    return digits === undefined ? value : rawJSON(digits)
  }
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map((item, index) => withRawIntegers(item, value, String(index)))
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, withRawIntegers(item, value, name)]))
}

/**
 * A copy whose rounded integers are `JSON.rawJSON` values of their exact digits, so any `JSON.stringify` (an HTTP
 * API's JSON response) writes them exactly. A value that cannot hold such integers is returned as it is.
 */
export const exactForAnyStringify = (value: unknown): unknown =>
  typeof value === "object" && value !== null && mayHoldLargeIntegers.has(value)
    ? withRawIntegers(value, undefined, "")
    : value
