import { type Redacted, Result, Schema, SchemaIssue } from "effect"

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

export const HmacVerifierConfig = Schema.Struct({
  type: Schema.Literal("hmac"),
  header: HeaderName,
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  prefix: Schema.optionalKey(Schema.String),
  ...secretFields
}).check(hasSecret)
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

export const GithubVerifierConfig = Schema.Struct({
  type: Schema.Literal("github"),
  ...secretFields
}).check(hasSecret)
export type GithubVerifierConfig = typeof GithubVerifierConfig.Type

export const NoneVerifierConfig = Schema.Struct({ type: Schema.Literal("none") })
export type NoneVerifierConfig = typeof NoneVerifierConfig.Type

export const VerifierConfig = Schema.Union([
  HmacVerifierConfig,
  ApiKeyVerifierConfig,
  BasicAuthVerifierConfig,
  GithubVerifierConfig,
  NoneVerifierConfig
])
export type VerifierConfig = typeof VerifierConfig.Type
export type VerifierType = VerifierConfig["type"]
const knownTypes: Record<VerifierType, true> = { hmac: true, api_key: true, basic_auth: true, github: true, none: true }

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
  if (typeof type !== "string" || !Object.hasOwn(knownTypes, type)) {
    return Result.fail(`unknown verifier type ${JSON.stringify(type ?? null)}`)
  }
  const decoded = decode(json, { onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return Result.fail(formatIssue(decoded.failure.issue).replace(/\s*\n\s*/g, " "))
  if (verifierType !== null && verifierType !== decoded.success.type) {
    return Result.fail(`verifier_type "${verifierType}" does not match verifier_config type "${decoded.success.type}"`)
  }
  return Result.succeed(decoded.success)
}
