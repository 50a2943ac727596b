import { PgTypes } from "@effect/sql-pg"
import { Result } from "effect"
import { parseJsonKeepingLargeIntegers, stringifyKeepingLargeIntegers } from "../domain/exactIntegers.ts"

// `jsonb` as Eventhook reads and writes it: integers above 2^53 keep their exact digits both ways (the driver's own
// codec goes through plain JSON.parse/stringify, which round them). So a payload read back for a retry, a claim
// or an operator holds the same ids as the one handed over in memory.

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const JSONB_VERSION = 1

const fail = (message: string) => Result.fail(new PgTypes.CodecError({ message }))

const exactJsonb: PgTypes.Codec<unknown> = {
  encode: (value) => {
    const text = stringifyKeepingLargeIntegers(value)
    if (text === undefined) return fail("Value cannot be serialised as JSON")
    const body = encoder.encode(text)
    const bytes = new Uint8Array(body.length + 1)
    bytes[0] = JSONB_VERSION
    bytes.set(body, 1)
    return Result.succeed(bytes)
  },
  decode: (bytes) => {
    if (bytes.length === 0 || bytes[0] !== JSONB_VERSION) return fail("Unsupported jsonb version byte")
    try {
      return Result.succeed(parseJsonKeepingLargeIntegers(decoder.decode(bytes.subarray(1))))
    } catch (error) {
      return fail(`Invalid jsonb: ${String(error)}`)
    }
  }
}

/** The driver's codecs, with `jsonb` (and `jsonb[]`) exact. */
export const exactJsonTypes = (): PgTypes.Registry => {
  const registry = PgTypes.makeRegistry()
  registry.register(PgTypes.OID.jsonb, exactJsonb, { arrayOid: PgTypes.OID.jsonbArray })
  return registry
}
