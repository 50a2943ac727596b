import { Result } from "effect"
import { candidateSecrets, type HmacVerifierConfig } from "../domain/VerifierConfig.ts"
import { decodeSignature, headerValue, matchSignatures } from "./hmac.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"

/** `hmac`: HMAC of the raw body in a header, hex or base64, after an optional prefix such as `sha256=`. */
export const verifyHmac = (
  config: HmacVerifierConfig,
  request: RawRequest
): Result.Result<Verified, VerificationFailed> => Result.gen(() => verifyHmacSteps(config, request))

// Made once, not per call: see verifyGithub.ts.
function* verifyHmacSteps(config: HmacVerifierConfig, request: RawRequest) {
  const header = config.header.toLowerCase()
  const value = (yield* headerValue(request.headers, header)).trim()
  const prefix = config.prefix ?? ""
  if (!value.startsWith(prefix)) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${header} does not start with the prefix` })
    )
  }
  const signature = decodeSignature(value.slice(prefix.length), config.encoding)
  if (signature === undefined) {
    return yield* Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${header} is not ${config.encoding}` })
    )
  }
  return yield* matchSignatures({
    algorithm: config.algorithm,
    secrets: candidateSecrets(config),
    message: request.body,
    signatures: [signature]
  })
}
