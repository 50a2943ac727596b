import { Redacted, Result } from "effect"
import type { BasicAuthVerifierConfig } from "../domain/VerifierConfig.ts"
import { equalStrings } from "./constantTime.ts"
import { headerValue } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

const malformed = new VerificationFailed({
  reason: "malformed_header",
  detail: "authorization is not Basic <base64 user:password>"
})

/** `basic_auth`: `Authorization: Basic base64(user:password)` (RFC 7617); both parts compared in constant time. */
export const verifyBasicAuth = (
  config: BasicAuthVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyBasicAuthSteps(config, request))

// Made once, not per call: see verifyGithub.ts.
function* verifyBasicAuthSteps(config: BasicAuthVerifierConfig, request: RawRequest) {
  const value = (yield* headerValue(request.headers, "authorization")).trim()
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(value)
  if (match === null) return yield* Result.fail(malformed)
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return yield* Result.fail(malformed)
  // Both comparisons always run, so a right username with a wrong password takes the same time as neither.
  const userMatches = equalStrings(decoded.slice(0, colon), config.username)
  const passwordMatches = equalStrings(decoded.slice(colon + 1), Redacted.value(config.password))
  if (!(userMatches && passwordMatches)) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "credentials_mismatch", detail: "username or password does not match" })
    )
  }
  return { secretIndex: null }
}
