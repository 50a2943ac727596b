import type { Result } from "effect"
import { candidateSecrets, type ShopifyVerifierConfig } from "../domain/VerifierConfig.ts"
import { verifyBase64HmacHeader } from "./hmac.ts"
import type { RawRequest, VerificationFailed, Verified } from "./types.ts"

// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook:
// `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed by the app's client secret.
export const verifyShopify = (
  config: ShopifyVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> =>
  verifyBase64HmacHeader({
    request,
    header: "x-shopify-hmac-sha256",
    secrets: candidateSecrets(config),
    message: request.body
  })
