import { Result } from "effect"
import { candidateSecrets, type SquareVerifierConfig } from "../domain/VerifierConfig.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { concatBytes } from "./timestamp.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://developer.squareup.com/docs/webhooks/step3validate: `x-square-hmacsha256-signature` is the base64
// HMAC-SHA256 of `{notification URL}{raw body}`, keyed by the subscription's signature key.
const HEADER = "x-square-hmacsha256-signature"

export const verifySquare = (
  config: SquareVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> =>
  Result.gen(function* () {
    const signature = decodeSignature((yield* headerValue(request.headers, HEADER)).trim(), "base64")
    if (signature === undefined) {
      return yield* Result.fail(
        new VerificationFailed({ reason: "malformed_header", detail: `${HEADER} is not base64` })
      )
    }
    return yield* matchSignatures({
      algorithm: "sha256",
      secrets: candidateSecrets(config),
      message: concatBytes(config.notification_url, request.body),
      signatures: [signature]
    })
  })
