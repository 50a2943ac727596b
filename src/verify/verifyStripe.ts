import { Result } from "effect"
import { candidateSecrets, type StripeVerifierConfig } from "../domain/VerifierConfig.ts"
import { checkTimestamp } from "./checkTimestamp.ts"
import { concatBytes } from "./concatBytes.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://docs.stripe.com/webhooks#verify-manually: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]`,
// HMAC-SHA256 of `{t}.{raw body}` keyed by the whole `whsec_…` string; any v1 may match; v0 is ignored. Like the
// reference library, only a timestamp older than the tolerance fails.
const HEADER = "stripe-signature"
const DEFAULT_TOLERANCE_SECONDS = 300

const malformed = (detail: string) => new VerificationFailed({ reason: "malformed_header", detail })

export const verifyStripe = (
  config: StripeVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyStripeSteps(config, request, nowSeconds))

// Made once, not per call: see verifyGithub.ts.
function* verifyStripeSteps(config: StripeVerifierConfig, request: RawRequest, nowSeconds: number) {
  const value = yield* headerValue(request.headers, HEADER)
  const pairs = value.split(",").map((pair) => {
    const at = pair.indexOf("=")
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const
  })
  const timestamp = pairs.find(([key]) => key === "t")?.[1]
  if (timestamp === undefined) return yield* Result.fail(malformed(`${HEADER} has no t=`))
  const candidates = pairs.filter(([key]) => key === "v1").map(([, hex]) => decodeSignature(hex, "hex"))
  const signatures = candidates.filter((signature): signature is Uint8Array => signature !== undefined)
  if (signatures.length === 0) return yield* Result.fail(malformed(`${HEADER} has no v1=<hex> signature`))
  const verified = yield* matchSignatures({
    algorithm: "sha256",
    secrets: candidateSecrets(config),
    message: concatBytes(`${timestamp}.`, request.body),
    signatures
  })
  yield* checkTimestamp({
    text: timestamp,
    header: `${HEADER} t`,
    nowSeconds,
    toleranceSeconds: config.tolerance_seconds ?? DEFAULT_TOLERANCE_SECONDS,
    direction: "stale-only"
  })
  return verified
}
