import { Result } from "effect"
import { memoize } from "effect/Function"
import { decodeVerifierConfig, type VerifierConfig, type VerifierType } from "../domain/VerifierConfig.ts"
import { type RawRequest, VerificationFailed, type Verified } from "./types.ts"
import { verifyApiKey } from "./verifyApiKey.ts"
import { verifyBasicAuth } from "./verifyBasicAuth.ts"
import { verifyGithub } from "./verifyGithub.ts"
import { verifyGitlab } from "./verifyGitlab.ts"
import { verifyHmac } from "./verifyHmac.ts"
import { verifyLinear } from "./verifyLinear.ts"
import { verifyPaddle } from "./verifyPaddle.ts"
import { verifyShopify } from "./verifyShopify.ts"
import { verifySlack } from "./verifySlack.ts"
import { verifySquare } from "./verifySquare.ts"
import { verifyStandardWebhooks } from "./verifyStandardWebhooks.ts"
import { verifyStripe } from "./verifyStripe.ts"
import { verifyTwilio } from "./verifyTwilio.ts"
import { verifyZoom } from "./verifyZoom.ts"

type Verifier<C> = (config: C, request: RawRequest, nowSeconds: number) => Result.Result<Verified, VerificationFailed>

// Exhaustive: a verifier type without an entry here does not compile.
const verifiers: { readonly [T in VerifierType]: Verifier<Extract<VerifierConfig, { type: T }>> } = {
  hmac: verifyHmac,
  api_key: verifyApiKey,
  basic_auth: verifyBasicAuth,
  github: verifyGithub,
  stripe: verifyStripe,
  standard_webhooks: verifyStandardWebhooks,
  shopify: verifyShopify,
  slack: verifySlack,
  gitlab: verifyGitlab,
  linear: verifyLinear,
  paddle: verifyPaddle,
  twilio: verifyTwilio,
  square: verifySquare,
  zoom: verifyZoom,
  none: () => Result.succeed({ secretIndex: null })
}

export const verifyWith = (
  config: VerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> =>
  (verifiers[config.type] as Verifier<VerifierConfig>)(config, request, nowSeconds)

type CredentialHeaders = (config: Readonly<Record<string, unknown>>) => ReadonlyArray<string>
const none: CredentialHeaders = () => []

// The headers that carry a scheme's credential itself (a token or password, not a signature over the body): they
// are never stored (CONTRACT §4, issue 15). Exhaustive, like `verifiers`: a new scheme must say what it has. Read
// from the raw config, so a config that does not decode still keeps its credential out of storage.
const credentialHeadersOf: { readonly [T in VerifierType]: CredentialHeaders } = {
  hmac: none,
  api_key: (config) => (typeof config.header === "string" ? [config.header.toLowerCase()] : []),
  basic_auth: () => ["authorization"],
  github: none,
  stripe: none,
  standard_webhooks: none,
  shopify: none,
  slack: none,
  gitlab: () => ["x-gitlab-token"],
  linear: none,
  paddle: none,
  twilio: none,
  square: none,
  zoom: none,
  none
}

type SourceVerifier = { readonly verifier_type: string | null; readonly verifier_config: unknown }

/**
 * The config as decoded for verification; one that does not decode is an `invalid_config` failure. A cached source
 * is the same (immutable) object on every request, so its config is decoded once.
 */
export const verifierConfigOf: (source: SourceVerifier) => Result.Result<VerifierConfig, VerificationFailed> = memoize(
  (source: SourceVerifier) =>
    Result.mapError(
      decodeVerifierConfig(source.verifier_type, source.verifier_config),
      (detail) => new VerificationFailed({ reason: "invalid_config", detail })
    )
)

/**
 * The lower-cased headers of the request that carry the source's credential, to be redacted before storage. Both the
 * column's type and the config's are asked, so a source whose two disagree (and so rejects) keeps both secret.
 */
export const credentialHeaders: (source: SourceVerifier) => ReadonlyArray<string> = memoize(
  (source: SourceVerifier) => {
    const config: Readonly<Record<string, unknown>> =
      typeof source.verifier_config === "object" && source.verifier_config !== null
        ? (source.verifier_config as Record<string, unknown>)
        : {}
    const types = new Set([source.verifier_type, config.type])
    return [...types].flatMap((type) =>
      typeof type === "string" && Object.hasOwn(credentialHeadersOf, type)
        ? credentialHeadersOf[type as VerifierType](config)
        : []
    )
  }
)

/** Decodes the source's stored config and verifies; a config that does not decode rejects (never fail open). */
export const verifyRequest = (
  source: SourceVerifier,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> =>
  Result.flatMap(verifierConfigOf(source), (config) => verifyWith(config, request, nowSeconds))
