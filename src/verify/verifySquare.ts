import type { Result } from "effect"
import { candidateSecrets, type SquareVerifierConfig } from "../domain/VerifierConfig.ts"
import { concatBytes } from "./concatBytes.ts"
import { verifyBase64HmacHeader } from "./hmac.ts"
import type { RawRequest, VerificationFailed, Verified } from "./types.ts"

// https://developer.squareup.com/docs/webhooks/step3validate: `x-square-hmacsha256-signature` is the base64
// HMAC-SHA256 of `{notification URL}{raw body}`, keyed by the subscription's signature key.
export const verifySquare = (
  config: SquareVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> =>
  verifyBase64HmacHeader({
    request,
    header: "x-square-hmacsha256-signature",
    secrets: candidateSecrets(config),
    message: concatBytes(config.notification_url, request.body)
  })
