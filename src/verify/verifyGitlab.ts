import { Redacted, Result } from "effect"
import type { GitlabVerifierConfig } from "../domain/VerifierConfig.ts"
import { equalStrings } from "./constantTime.ts"
import { headerValue } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

// https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token:
// `X-Gitlab-Token` carries the secret token as is.
export const verifyGitlab = (
  config: GitlabVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> =>
  Result.flatMap(headerValue(request.headers, "x-gitlab-token"), (given) => {
    const tokens = [...(config.token === undefined ? [] : [config.token]), ...(config.tokens ?? [])]
    // Every token is compared, so the time taken does not tell which one matched.
    const matches = tokens.map((token) => equalStrings(given, Redacted.value(token)))
    const index = matches.indexOf(true)
    return index < 0
      ? Result.fail(new VerificationFailed({ reason: "credentials_mismatch", detail: "x-gitlab-token does not match" }))
      : Result.succeed({ secretIndex: index })
  })
