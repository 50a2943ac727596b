import { createHmac } from "node:crypto"
import { Redacted, Result } from "effect"
import type { HmacAlgorithm, SignatureEncoding } from "../domain/VerifierConfig.ts"
import { equalBytes } from "./constantTime.ts"
import { VerificationFailed, type Verified } from "./types.ts"

const HEX = /^[0-9a-fA-F]*$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Decodes a signature as sent; `undefined` when it is not valid in that encoding. */
export const decodeSignature = (text: string, encoding: SignatureEncoding): Uint8Array | undefined => {
  if (encoding === "hex") return text.length % 2 === 0 && HEX.test(text) ? Buffer.from(text, "hex") : undefined
  return text.length % 4 === 0 && BASE64.test(text) ? Buffer.from(text, "base64") : undefined
}

export const hmacDigest = (algorithm: HmacAlgorithm, key: string | Uint8Array, message: Uint8Array): Uint8Array =>
  createHmac(algorithm, key).update(message).digest()

/**
 * Tries every candidate signature against every secret, all the way through, so the time taken does not
 * depend on which pair matched.
 */
export const matchSignatures = (options: {
  readonly algorithm: HmacAlgorithm
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The HMAC key a secret stands for; by default the secret's UTF-8 bytes. */
  readonly key?: (secret: string) => string | Uint8Array
  readonly message: Uint8Array
  readonly signatures: ReadonlyArray<Uint8Array>
}): Result.Result<Verified, VerificationFailed> => {
  let matched: number | null = null
  const keyOf = options.key ?? ((secret: string) => secret)
  options.secrets.forEach((secret, index) => {
    const expected = hmacDigest(options.algorithm, keyOf(Redacted.value(secret)), options.message)
    for (const signature of options.signatures) {
      if (equalBytes(signature, expected) && matched === null) matched = index
    }
  })
  return matched === null
    ? Result.fail(new VerificationFailed({ reason: "signature_mismatch", detail: "no signature matches the body" }))
    : Result.succeed({ secretIndex: matched })
}

export const headerValue = (
  headers: Readonly<Record<string, string | undefined>>,
  name: string
): Result.Result<string, VerificationFailed> => {
  const value = headers[name.toLowerCase()]
  return value === undefined || value === ""
    ? Result.fail(new VerificationFailed({ reason: "missing_header", detail: `${name.toLowerCase()} is missing` }))
    : Result.succeed(value)
}

/** A header holding the base64 HMAC-SHA256 of `message` (Shopify, Square). */
export const verifyBase64HmacHeader = (options: {
  readonly request: { readonly headers: Readonly<Record<string, string | undefined>> }
  readonly header: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly message: Uint8Array
}): Result.Result<Verified, VerificationFailed> =>
  Result.flatMap(headerValue(options.request.headers, options.header), (value) => {
    const signature = decodeSignature(value.trim(), "base64")
    return signature === undefined
      ? Result.fail(new VerificationFailed({ reason: "malformed_header", detail: `${options.header} is not base64` }))
      : matchSignatures({
          algorithm: "sha256",
          secrets: options.secrets,
          message: options.message,
          signatures: [signature]
        })
  })
