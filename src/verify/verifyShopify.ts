import { Result } from "effect"
import { candidateSecrets, type ShopifyVerifierConfig } from "../domain/VerifierConfig.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook:
// `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed by the app's client secret.
const HEADER = "x-shopify-hmac-sha256"

export const verifyShopify = (
  config: ShopifyVerifierConfig,
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
      message: request.body,
      signatures: [signature]
    })
  })
