import { Redacted, Result } from "effect"
import { candidateSecrets, type StandardWebhooksVerifierConfig } from "../domain/VerifierConfig.ts"
import { checkTimestamp } from "./checkTimestamp.ts"
import { concatBytes } from "./concatBytes.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md: HMAC-SHA256 of
// `{webhook-id}.{webhook-timestamp}.{raw body}`, keyed by the base64 after `whsec_`; `webhook-signature` holds
// space-separated `v1,<base64>` (other versions, such as the asymmetric `v1a`, are skipped). Svix sends the same
// as `svix-*`. Timestamps more than the tolerance away either way fail.
const DEFAULT_TOLERANCE_SECONDS = 300
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const keyOf = (secret: string): Uint8Array => Buffer.from(secret.replace(/^whsec_/, ""), "base64")

const firstHeader = (request: RawRequest, name: string) =>
  request.headers[`webhook-${name}`] !== undefined
    ? headerValue(request.headers, `webhook-${name}`)
    : headerValue(request.headers, `svix-${name}`).pipe(
        Result.mapError(
          () =>
            new VerificationFailed({ reason: "missing_header", detail: `webhook-${name} (or svix-${name}) is missing` })
        )
      )

export const verifyStandardWebhooks = (
  config: StandardWebhooksVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> =>
  Result.gen(() => verifyStandardWebhooksSteps(config, request, nowSeconds))

// Made once, not per call: see verifyGithub.ts.
function* verifyStandardWebhooksSteps(config: StandardWebhooksVerifierConfig, request: RawRequest, nowSeconds: number) {
  const secrets = candidateSecrets(config)
  if (secrets.some((secret) => !BASE64.test(Redacted.value(secret).replace(/^whsec_/, "")))) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "invalid_config", detail: "a secret is not whsec_<base64>" })
    )
  }
  const id = yield* firstHeader(request, "id")
  const timestamp = yield* firstHeader(request, "timestamp")
  const signatureHeader = yield* firstHeader(request, "signature")
  yield* checkTimestamp({
    text: timestamp,
    header: "webhook-timestamp",
    nowSeconds,
    toleranceSeconds: config.tolerance_seconds ?? DEFAULT_TOLERANCE_SECONDS,
    direction: "both"
  })
  const signatures = signatureHeader
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => decodeSignature(entry.slice(3), "base64"))
    .filter((signature): signature is Uint8Array => signature !== undefined)
  if (signatures.length === 0) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: "webhook-signature has no v1,<base64> entry" })
    )
  }
  return yield* matchSignatures({
    algorithm: "sha256",
    secrets,
    key: keyOf,
    message: concatBytes(`${id}.${timestamp}.`, request.body),
    signatures
  })
}
