import { createHash, timingSafeEqual } from "node:crypto"

/** Constant-time equality of two byte strings of the same length; different lengths are simply unequal. */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/** Constant-time equality of two texts; comparing digests hides the expected length too. */
export const equalStrings = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected))
