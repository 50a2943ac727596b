import { Predicate, Result } from "effect"
import { candidateSecrets, type LinearVerifierConfig } from "../domain/VerifierConfig.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://linear.app/developers/webhooks#securing-webhooks: `Linear-Signature` is the hex HMAC-SHA256 of the raw
// body; the signed body's `webhookTimestamp` (milliseconds) must be within a minute of now, either way (as
// @linear/sdk's LinearWebhookClient.verify checks).
const HEADER = "linear-signature"
const DEFAULT_TOLERANCE_SECONDS = 60

const webhookTimestamp = (body: Uint8Array): unknown =>
  Result.getOrUndefined(
    Result.try(() => {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(body))
      return Predicate.isObject(parsed) && "webhookTimestamp" in parsed ? parsed.webhookTimestamp : undefined
    })
  )

export const verifyLinear = (
  config: LinearVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyLinearSteps(config, request, nowSeconds))

// Made once, not per call: see verifyGithub.ts.
function* verifyLinearSteps(config: LinearVerifierConfig, request: RawRequest, nowSeconds: number) {
  const signature = decodeSignature((yield* headerValue(request.headers, HEADER)).trim(), "hex")
  if (signature === undefined) {
    return yield* Result.fail(new VerificationFailed({ reason: "malformed_header", detail: `${HEADER} is not hex` }))
  }
  const verified = yield* matchSignatures({
    algorithm: "sha256",
    secrets: candidateSecrets(config),
    message: request.body,
    signatures: [signature]
  })
  const timestamp = webhookTimestamp(request.body)
  if (!Predicate.isNumber(timestamp) || !Number.isFinite(timestamp)) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: "the body has no numeric webhookTimestamp" })
    )
  }
  const toleranceMillis = (config.tolerance_seconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000
  const skewMillis = nowSeconds * 1000 - timestamp
  if (Math.abs(skewMillis) > toleranceMillis) {
    return yield* Result.fail(
      new VerificationFailed({
        reason: "timestamp_out_of_range",
        detail: `webhookTimestamp is ${Math.round(skewMillis / 1000)}s from now, over the ${toleranceMillis / 1000}s tolerance`
      })
    )
  }
  return verified
}
