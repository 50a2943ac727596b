import { createHash } from "node:crypto"
import { Result } from "effect"
import { parseMediaType } from "../domain/mediaType.ts"
import { candidateSecrets, type TwilioVerifierConfig } from "../domain/VerifierConfig.ts"
import { equalBytes } from "./constantTime.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://www.twilio.com/docs/usage/webhooks/webhooks-security: `X-Twilio-Signature` is the base64 HMAC (SHA-1, or
// SHA-256 when `X-Twilio-Webhooks-Signature-Settings` says `algorithm=HMAC_SHA256`) of the full URL Twilio called
// followed by every POST parameter sorted by name as `name + value`. A JSON body is not signed as parameters: the
// URL carries `bodySHA256=<hex sha256 of the body>` instead. As the `twilio` library does, the URL is tried as
// configured, without its port and with the scheme's default port.
const HEADER = "x-twilio-signature"

const withoutPort = (url: string) => url.replace(/^(https?:\/\/[^/:?#]+):\d+/i, "$1")
const withDefaultPort = (url: string) =>
  /^https?:\/\/[^/:?#]+:\d+/i.test(url)
    ? url
    : url.replace(
        /^(https?):\/\/([^/:?#]+)/i,
        (_, scheme: string, host: string) => `${scheme}://${host}:${scheme.toLowerCase() === "https" ? 443 : 80}`
      )

/** Parameters as the `twilio` library concatenates them: sorted names; repeated values deduplicated and sorted. */
const signedParameters = (body: Uint8Array): string => {
  const values = new Map<string, Set<string>>()
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(body))) {
    values.set(name, (values.get(name) ?? new Set()).add(value))
  }
  return [...values.keys()]
    .sort()
    .map((name) =>
      [...values.get(name)!]
        .sort()
        .map((value) => name + value)
        .join("")
    )
    .join("")
}

export const verifyTwilio = (
  config: TwilioVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyTwilioSteps(config, request))

// Made once, not per call: see verifyGithub.ts.
function* verifyTwilioSteps(config: TwilioVerifierConfig, request: RawRequest) {
  const url = config.url ?? request.url ?? null
  if (url === null) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "invalid_config", detail: "twilio needs `url` or EVENTHOOK_PUBLIC_URL" })
    )
  }
  const signature = decodeSignature((yield* headerValue(request.headers, HEADER)).trim(), "base64")
  if (signature === undefined) {
    return yield* Result.fail(new VerificationFailed({ reason: "malformed_header", detail: `${HEADER} is not base64` }))
  }
  const settings = request.headers["x-twilio-webhooks-signature-settings"] ?? ""
  const algorithm = /algorithm=HMAC_SHA256/i.test(settings) ? "sha256" : "sha1"
  const bodyHash = URL.canParse(url) ? new URL(url).searchParams.get("bodySHA256") : null
  if (bodyHash !== null) {
    const actual = createHash("sha256").update(request.body).digest("hex")
    if (!equalBytes(new TextEncoder().encode(bodyHash.toLowerCase()), new TextEncoder().encode(actual))) {
      return yield* Result.fail(
        new VerificationFailed({ reason: "signature_mismatch", detail: "the body does not match bodySHA256" })
      )
    }
  }
  const form = parseMediaType(request.headers["content-type"] ?? null).essence === "application/x-www-form-urlencoded"
  const parameters = bodyHash === null && form ? signedParameters(request.body) : ""
  const candidates = [...new Set([url, withoutPort(url), withDefaultPort(url)])]
  const attempts = candidates.map((candidate) =>
    matchSignatures({
      algorithm,
      secrets: candidateSecrets(config),
      message: new TextEncoder().encode(candidate + parameters),
      signatures: [signature]
    })
  )
  return yield* attempts.find(Result.isSuccess) ?? attempts[0]!
}
