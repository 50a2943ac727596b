import { type Redacted, Result, Schema, SchemaIssue } from "effect"
import { sealedKeyIds } from "./secretFields.ts"

// CONTRACT §5: `verifier_config` is JSON tagged by `type`. Wherever a `secret` is taken, `secrets` (any of which
// may verify) is taken too, so a secret can be rotated without a gap.

const Secret = Schema.RedactedFromValue(Schema.NonEmptyString)
const secretFields = {
  secret: Schema.optionalKey(Secret),
  secrets: Schema.optionalKey(Schema.Array(Secret))
}
const hasSecret = Schema.makeFilter(
  (config: {
    readonly secret?: Redacted.Redacted<string>
    readonly secrets?: ReadonlyArray<Redacted.Redacted<string>>
  }) =>
    config.secret !== undefined || (config.secrets?.length ?? 0) > 0
      ? undefined
      : "needs `secret` or a non-empty `secrets`"
)
const HeaderName = Schema.NonEmptyString.check(
  Schema.isPattern(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: "must be an HTTP header name" })
)

export const HmacAlgorithm = Schema.Literals(["sha1", "sha256", "sha512"])
export type HmacAlgorithm = typeof HmacAlgorithm.Type
export const SignatureEncoding = Schema.Literals(["hex", "base64"])
export type SignatureEncoding = typeof SignatureEncoding.Type

/** A config of `type` that takes `secret` and/or `secrets` (at least one), besides its own fields. */
const withSecrets = <const T extends string, const F extends Schema.Struct.Fields>(type: T, fields: F) =>
  Schema.Struct({ type: Schema.Literal(type), ...fields, ...secretFields }).check(hasSecret)

const ToleranceSeconds = Schema.Int.check(Schema.isGreaterThan(0))
const HttpUrl = Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" }))
/** A scheme whose signature carries a timestamp, judged within `tolerance_seconds`. */
const timestamped = { tolerance_seconds: Schema.optionalKey(ToleranceSeconds) }

export const HmacVerifierConfig = withSecrets("hmac", {
  header: HeaderName,
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  prefix: Schema.optionalKey(Schema.String)
})
export type HmacVerifierConfig = typeof HmacVerifierConfig.Type

export const ApiKeyVerifierConfig = Schema.Struct({
  type: Schema.Literal("api_key"),
  header: HeaderName,
  value: Schema.RedactedFromValue(Schema.NonEmptyString)
})
export type ApiKeyVerifierConfig = typeof ApiKeyVerifierConfig.Type

export const BasicAuthVerifierConfig = Schema.Struct({
  type: Schema.Literal("basic_auth"),
  username: Schema.NonEmptyString,
  password: Schema.RedactedFromValue(Schema.NonEmptyString)
})
export type BasicAuthVerifierConfig = typeof BasicAuthVerifierConfig.Type

export const GithubVerifierConfig = withSecrets("github", {})
export type GithubVerifierConfig = typeof GithubVerifierConfig.Type
export const StripeVerifierConfig = withSecrets("stripe", timestamped)
export type StripeVerifierConfig = typeof StripeVerifierConfig.Type
export const StandardWebhooksVerifierConfig = withSecrets("standard_webhooks", timestamped)
export type StandardWebhooksVerifierConfig = typeof StandardWebhooksVerifierConfig.Type
export const ShopifyVerifierConfig = withSecrets("shopify", {})
export type ShopifyVerifierConfig = typeof ShopifyVerifierConfig.Type
export const SlackVerifierConfig = withSecrets("slack", timestamped)
export type SlackVerifierConfig = typeof SlackVerifierConfig.Type

export const GitlabVerifierConfig = Schema.Struct({
  type: Schema.Literal("gitlab"),
  token: Schema.optionalKey(Secret),
  tokens: Schema.optionalKey(Schema.Array(Secret))
}).check(
  Schema.makeFilter((config: { readonly token?: unknown; readonly tokens?: ReadonlyArray<unknown> }) =>
    config.token !== undefined || (config.tokens?.length ?? 0) > 0 ? undefined : "needs `token` or a non-empty `tokens`"
  )
)
export type GitlabVerifierConfig = typeof GitlabVerifierConfig.Type

export const LinearVerifierConfig = withSecrets("linear", timestamped)
export type LinearVerifierConfig = typeof LinearVerifierConfig.Type
export const PaddleVerifierConfig = withSecrets("paddle", timestamped)
export type PaddleVerifierConfig = typeof PaddleVerifierConfig.Type
/** `url`: the URL configured at Twilio; default: EVENTHOOK_PUBLIC_URL + the request's path and query. */
export const TwilioVerifierConfig = withSecrets("twilio", { url: Schema.optionalKey(HttpUrl) })
export type TwilioVerifierConfig = typeof TwilioVerifierConfig.Type
export const SquareVerifierConfig = withSecrets("square", { notification_url: HttpUrl })
export type SquareVerifierConfig = typeof SquareVerifierConfig.Type
export const ZoomVerifierConfig = withSecrets("zoom", timestamped)
export type ZoomVerifierConfig = typeof ZoomVerifierConfig.Type

export const NoneVerifierConfig = Schema.Struct({ type: Schema.Literal("none") })
export type NoneVerifierConfig = typeof NoneVerifierConfig.Type

export const VerifierConfig = Schema.Union([
  HmacVerifierConfig,
  ApiKeyVerifierConfig,
  BasicAuthVerifierConfig,
  GithubVerifierConfig,
  StripeVerifierConfig,
  StandardWebhooksVerifierConfig,
  ShopifyVerifierConfig,
  SlackVerifierConfig,
  GitlabVerifierConfig,
  LinearVerifierConfig,
  PaddleVerifierConfig,
  TwilioVerifierConfig,
  SquareVerifierConfig,
  ZoomVerifierConfig,
  NoneVerifierConfig
])
export type VerifierConfig = typeof VerifierConfig.Type
export type VerifierType = VerifierConfig["type"]
/** Every `type` the union takes, read off its members (so it cannot fall out of step with them). */
const knownTypes: ReadonlySet<string> = new Set(VerifierConfig.members.map((member) => member.fields.type.literal))

/** Every secret a config accepts, `secret` first. */
export const candidateSecrets = (config: {
  readonly secret?: Redacted.Redacted<string>
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>>
}): ReadonlyArray<Redacted.Redacted<string>> => [
  ...(config.secret === undefined ? [] : [config.secret]),
  ...(config.secrets ?? [])
]

const decode = Schema.decodeUnknownResult(VerifierConfig)
const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * Decodes a source's stored verifier config. NULL means `none` (CONTRACT §4); anything else must decode,
 * and the column `verifier_type` must agree with the JSON's `type`, or the source rejects every request.
 * The message never quotes the config's values.
 */
export const decodeVerifierConfig = (
  verifierType: string | null,
  json: unknown
): Result.Result<VerifierConfig, string> => {
  if (json === null || json === undefined) {
    return verifierType === null || verifierType === "none"
      ? Result.succeed({ type: "none" })
      : Result.fail(`verifier_type is "${verifierType}" but verifier_config is empty`)
  }
  const type = typeof json === "object" && "type" in json ? json.type : undefined
  if (typeof type !== "string" || !knownTypes.has(type)) {
    return Result.fail(`unknown verifier type ${JSON.stringify(type ?? null)}`)
  }
  // Fail closed: a secret still sealed was encrypted under a key this instance does not have (issue 15).
  const sealed = sealedKeyIds(json)
  if (sealed.length > 0) {
    return Result.fail(
      `a secret is encrypted under key ${sealed.join(", ")}, which is neither EVENTHOOK_SECRET_KEY nor EVENTHOOK_SECRET_KEY_PREVIOUS`
    )
  }
  const decoded = decode(json, { onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return Result.fail(formatIssue(decoded.failure.issue).replace(/\s*\n\s*/g, " "))
  if (verifierType !== null && verifierType !== decoded.success.type) {
    return Result.fail(`verifier_type "${verifierType}" does not match verifier_config type "${decoded.success.type}"`)
  }
  return Result.succeed(decoded.success)
}
