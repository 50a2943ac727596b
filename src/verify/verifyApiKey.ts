import { Redacted, Result } from "effect"
import type { ApiKeyVerifierConfig } from "../domain/VerifierConfig.ts"
import { equalStrings } from "./constantTime.ts"
import { headerValue } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

/** `api_key`: a header whose value must equal the configured key. */
export const verifyApiKey = (
  config: ApiKeyVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> =>
  Result.flatMap(headerValue(request.headers, config.header), (given) =>
    equalStrings(given, Redacted.value(config.value))
      ? Result.succeed({ secretIndex: null })
      : Result.fail(
          new VerificationFailed({
            reason: "credentials_mismatch",
            detail: `${config.header.toLowerCase()} does not match`
          })
        )
  )
