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
    if (typeof this === "object" && this !== null) {
      const digits = exactDigits.get(this) ?? new Map<string, string>()
      digits.set(key, source)
      exactDigits.set(this, digits)
    }
  }
  return value
}

/** `JSON.parse`, remembering the exact digits of the integers it rounds (see `exactIntegerText`). */
export const parseJsonKeepingLargeIntegers = (text: string): unknown =>
  LONG_DIGIT_RUN.test(text) ? JSON.parse(text, keepLargeInteger) : JSON.parse(text)

/** The exact digits of the integer at `holder[key]` when parsing rounded it; otherwise undefined. */
export const exactIntegerText = (holder: unknown, key: string): string | undefined =>
  typeof holder === "object" && holder !== null ? exactDigits.get(holder)?.get(key) : undefined
