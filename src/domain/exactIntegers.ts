// JSON numbers are read as doubles, which round integers above 2^53: a provider id like Shopify's
// 820982911946154508 would be read as 820982911946154496, and two deliveries whose ids differ only in their last
// digits would share a dedupe key. The exact digits of such integers are kept beside the parsed body (the body
// itself is unchanged), for key and event-type paths.

// Both marks live on the parsed values themselves, as properties no JSON, spread or key listing sees (a symbol, not
// enumerable), not in a WeakMap beside them: V8's young collections keep a WeakMap's values alive after their keys
// died, so every payload with a long digit run outlived its request (issue 22).
const EXACT_DIGITS = Symbol("eventhook.exactDigits")
const MAY_HOLD_LARGE_INTEGERS = Symbol("eventhook.mayHoldLargeIntegers")

type Marked = { [EXACT_DIGITS]?: Map<string, string>; [MAY_HOLD_LARGE_INTEGERS]?: true }

const mark = <K extends keyof Marked>(target: object, key: K, value: Marked[K]) => {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true })
}
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

/** Whether `value` was parsed from a text with a long digit run: only such values may hold rounded integers. */
const mayHoldLargeIntegers = (value: object) => (value as Marked)[MAY_HOLD_LARGE_INTEGERS] === true

/** `JSON.parse`, remembering the exact digits of the integers it rounds (see `exactIntegerText`). */
export const parseJsonKeepingLargeIntegers = (text: string): unknown => {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text)
  const value: unknown = JSON.parse(text, keepLargeInteger)
  if (typeof value === "object" && value !== null) mark(value, MAY_HOLD_LARGE_INTEGERS, true)
  return value
}

/** Marks a value built from parsed payloads (a transform's) as one that may hold rounded integers. */
export const markMayHoldLargeIntegers = (value: object) => {
  mark(value, MAY_HOLD_LARGE_INTEGERS, true)
}

/** Remembers the exact digits of the integer at `holder[key]`, written by `stringifyKeepingLargeIntegers`. */
export const rememberExactInteger = (holder: object, key: string, digits: string) => {
  const known = (holder as Marked)[EXACT_DIGITS]
  if (known !== undefined) known.set(key, digits)
  else mark(holder, EXACT_DIGITS, new Map([[key, digits]]))
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
  typeof value === "object" && value !== null && mayHoldLargeIntegers(value)
    ? JSON.stringify(value, writeExactDigits)
    : JSON.stringify(value)

/** The exact digits of the integer at `holder[key]` when parsing rounded it; otherwise undefined. */
export const exactIntegerText = (holder: unknown, key: string): string | undefined =>
  typeof holder === "object" && holder !== null ? (holder as Marked)[EXACT_DIGITS]?.get(key) : undefined

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
  typeof value === "object" && value !== null && mayHoldLargeIntegers(value)
    ? withRawIntegers(value, undefined, "")
    : value
