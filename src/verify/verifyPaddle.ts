import { Result } from "effect"
import { candidateSecrets, type PaddleVerifierConfig } from "../domain/VerifierConfig.ts"
import { checkTimestamp } from "./checkTimestamp.ts"
import { concatBytes } from "./concatBytes.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://developer.paddle.com/webhooks/signature-verification: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]`,
// HMAC-SHA256 of `{ts}:{raw body}`. The official SDK allows 5 seconds and rejects only old timestamps.
const HEADER = "paddle-signature"
const DEFAULT_TOLERANCE_SECONDS = 5

export const verifyPaddle = (
  config: PaddleVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyPaddleSteps(config, request, nowSeconds))

// Made once, not per call: see verifyGithub.ts.
function* verifyPaddleSteps(config: PaddleVerifierConfig, request: RawRequest, nowSeconds: number) {
  const pairs = (yield* headerValue(request.headers, HEADER)).split(";").map((part) => {
    const at = part.indexOf("=")
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const
  })
  const timestamp = pairs.find(([key]) => key === "ts")?.[1]
  const signatures = pairs
    .filter(([key]) => key === "h1")
    .map(([, hex]) => decodeSignature(hex, "hex"))
    .filter((signature): signature is Uint8Array => signature !== undefined)
  if (timestamp === undefined || signatures.length === 0) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${HEADER} is not ts=<unix>;h1=<hex>` })
    )
  }
  const verified = yield* matchSignatures({
    algorithm: "sha256",
    secrets: candidateSecrets(config),
    message: concatBytes(`${timestamp}:`, request.body),
    signatures
  })
  yield* checkTimestamp({
    text: timestamp,
    header: `${HEADER} ts`,
    nowSeconds,
    toleranceSeconds: config.tolerance_seconds ?? DEFAULT_TOLERANCE_SECONDS,
    direction: "stale-only"
  })
  return verified
}
