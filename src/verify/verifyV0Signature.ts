import type { Redacted } from "effect"
import { Result } from "effect"
import { candidateSecrets } from "../domain/VerifierConfig.ts"
import { checkTimestamp } from "./checkTimestamp.ts"
import { concatBytes } from "./concatBytes.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

interface V0SignatureOptions {
  readonly config: {
    readonly secret?: Redacted.Redacted<string>
    readonly secrets?: ReadonlyArray<Redacted.Redacted<string>>
  }
  readonly request: RawRequest
  readonly nowSeconds: number
  readonly signatureHeader: string
  readonly timestampHeader: string
  readonly toleranceSeconds: number
  readonly direction: "stale-only" | "both"
}

/**
 * The `v0` scheme shared by Slack and Zoom: `<signature header>: v0=<hex>` is the HMAC-SHA256 of
 * `v0:{timestamp header}:{raw body}`.
 */
export const verifyV0Signature = (options: V0SignatureOptions): Result.Result<Verified, VerificationFailed> =>
  Result.gen(() => verifyV0SignatureSteps(options))

// Made once, not per call: see verifyGithub.ts.
function* verifyV0SignatureSteps(options: V0SignatureOptions) {
  const value = (yield* headerValue(options.request.headers, options.signatureHeader)).trim()
  const timestamp = (yield* headerValue(options.request.headers, options.timestampHeader)).trim()
  const signature = value.startsWith("v0=") ? decodeSignature(value.slice(3), "hex") : undefined
  if (signature === undefined) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${options.signatureHeader} is not v0=<hex>` })
    )
  }
  yield* checkTimestamp({
    text: timestamp,
    header: options.timestampHeader,
    nowSeconds: options.nowSeconds,
    toleranceSeconds: options.toleranceSeconds,
    direction: options.direction
  })
  return yield* matchSignatures({
    algorithm: "sha256",
    secrets: candidateSecrets(options.config),
    message: concatBytes(`v0:${timestamp}:`, options.request.body),
    signatures: [signature]
  })
}
