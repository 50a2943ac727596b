import { Result } from "effect"
import { candidateSecrets, type GithubVerifierConfig } from "../domain/VerifierConfig.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries:
// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, the secret taken as UTF-8.
const HEADER = "x-hub-signature-256"
const PREFIX = "sha256="

export const verifyGithub = (
  config: GithubVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyGithubSteps(config, request))

// The steps are a generator function made once, not one per call (`Result.gen(function* () {…})` inside
// verifyGithub): a generator function made per request has what it captures (the request) promoted to the old
// generation with it (issue 22). Every verifier is written so.
function* verifyGithubSteps(config: GithubVerifierConfig, request: RawRequest) {
  const value = (yield* headerValue(request.headers, HEADER)).trim()
  const signature = value.startsWith(PREFIX) ? decodeSignature(value.slice(PREFIX.length), "hex") : undefined
  if (signature === undefined) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${HEADER} is not sha256=<hex>` })
    )
  }
  return yield* matchSignatures({
    algorithm: "sha256",
    secrets: candidateSecrets(config),
    message: request.body,
    signatures: [signature]
  })
}
