import { Optional } from "@marcbachmann/cel-js"
import { exactIntegerText, markMayHoldLargeIntegers, rememberExactInteger } from "../domain/exactIntegers.ts"

// The payload as a CEL expression sees it, and a transform's value as targets see it.
//
// In: the parsed body is not copied. It is read through proxies that turn JSON integers into CEL `int`s (BigInt,
// with the exact digits of those above 2^53) and charge every read to the evaluation's budget: one step per value,
// plus one per 64 characters of a string (a string function costs in proportion to its length). Comprehensions
// over the payload therefore cost what they read, however they nest.
//
// Out: a transform's value becomes plain JSON again: BigInts are numbers (the digits of one above 2^53 kept for the
// exact stringifier), payload objects are the originals, timestamps ISO strings, bytes base64.

export class BudgetExceeded extends Error {
  readonly limit: number
  constructor(limit: number) {
    super(`the expression read more of the payload than its budget allows (${limit} steps)`)
    this.limit = limit
  }
}

/** The running evaluation's budget. Evaluation is synchronous, so one meter serves them all in turn. */
const meter = { left: 0, limit: 0 }

export const startBudget = (steps: number) => {
  meter.left = steps
  meter.limit = steps
}

export const stepsUsed = () => meter.limit - meter.left

const charge = (steps: number) => {
  meter.left -= steps
  if (meter.left < 0) throw new BudgetExceeded(meter.limit)
}

const proxies = new WeakMap<object, object>()
const originals = new WeakMap<object, object>()

const celNumber = (holder: object, key: string, value: number): number | bigint => {
  if (!Number.isInteger(value)) return value
  if (Number.isSafeInteger(value)) return BigInt(value)
  const digits = exactIntegerText(holder, key)
  return digits === undefined ? value : BigInt(digits)
}

const reading: ProxyHandler<object> = {
  get(target, key) {
    const value = (target as Record<PropertyKey, unknown>)[key as string]
    if (typeof key === "symbol" || (key === "length" && Array.isArray(target))) return value
    switch (typeof value) {
      case "number":
        charge(1)
        return celNumber(target, key, value)
      case "string":
        charge(1 + (value.length >>> 6))
        return value
      case "object":
        charge(1)
        return value === null ? value : readable(value)
      default:
        charge(1)
        return value
    }
  },
  has(target, key) {
    charge(1)
    return key in target
  },
  ownKeys(target) {
    const keys = Reflect.ownKeys(target)
    charge(keys.length)
    return keys
  }
}

/** A payload value as an expression reads it. */
export const readable = (value: object): object => {
  let proxy = proxies.get(value)
  if (proxy === undefined) {
    proxy = new Proxy(value, reading)
    proxies.set(value, proxy)
    originals.set(proxy, value)
  }
  return proxy
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

const plain = (value: unknown, holder: Record<string, unknown> | Array<unknown>, key: string): unknown => {
  if (typeof value === "bigint") {
    const number = Number(value)
    if (!Number.isSafeInteger(number)) rememberExactInteger(holder, key, value.toString())
    return number
  }
  if (typeof value !== "object" || value === null) return value
  const original = originals.get(value)
  if (original !== undefined) return original
  if (Array.isArray(value)) {
    const list: Array<unknown> = []
    value.forEach((item, index) => {
      list.push(plain(item, list, String(index)))
    })
    return list
  }
  const prototype = Object.getPrototypeOf(value)
  if (value instanceof Map || prototype === Object.prototype || prototype === null) {
    const map: Record<string, unknown> = {}
    for (const [entryKey, entryValue] of value instanceof Map ? value.entries() : Object.entries(value))
      map[String(entryKey)] = plain(entryValue, map, String(entryKey))
    return map
  }
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return base64(value)
  if (value instanceof Optional) return value.hasValue() ? plain(value.value(), holder, key) : null
  // CEL's own values: an unsigned int is its number, a duration its text ("5400s").
  const primitive = value.valueOf()
  return typeof primitive === "bigint" ? plain(primitive, holder, key) : String(value)
}

/** A transform's value as plain JSON for a target, exact integers kept. */
export const plainJson = (value: unknown): unknown => {
  const root = { value }
  const result = plain(value, root, "value")
  if (typeof result === "object" && result !== null) markMayHoldLargeIntegers(result)
  return result
}
