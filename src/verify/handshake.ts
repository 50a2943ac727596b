import { Predicate, Redacted } from "effect"
import { candidateSecrets, type VerifierConfig } from "../domain/VerifierConfig.ts"
import { hmacDigest } from "./hmac.ts"
import type { Verified } from "./types.ts"

export type HandshakeAnswer =
  | { readonly challenge: string }
  | { readonly plainToken: string; readonly encryptedToken: string }

/**
 * A verified request that is a provider's endpoint check rather than an event gets this answer and is not
 * routed: Slack's `url_verification` (https://api.slack.com/events/url_verification) echoes the challenge; Zoom's
 * `endpoint.url_validation` (https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint) answers
 * the plain token with its HMAC-SHA256 under the secret token that verified the request.
 */
export const handshakeAnswer = (
  config: VerifierConfig,
  verified: Verified,
  payload: unknown
): HandshakeAnswer | null => {
  if (!Predicate.isObject(payload)) return null
  const body = payload as Record<string, unknown>
  if (config.type === "slack" && body.type === "url_verification" && Predicate.isString(body.challenge)) {
    return { challenge: body.challenge }
  }
  if (config.type === "zoom" && body.event === "endpoint.url_validation" && Predicate.isObject(body.payload)) {
    const plainToken = (body.payload as Record<string, unknown>).plainToken
    const secret = candidateSecrets(config)[verified.secretIndex ?? 0]
    if (!Predicate.isString(plainToken) || secret === undefined) return null
    const encryptedToken = Buffer.from(
      hmacDigest("sha256", Redacted.value(secret), new TextEncoder().encode(plainToken))
    ).toString("hex")
    return { plainToken, encryptedToken }
  }
  return null
}
