// Which parts of a stored config are secrets, and what an encrypted one looks like at rest (issue 15). Pure: the
// encryption itself is the store's SecretBox.

/** verifier_config keys that hold secrets, in every verifier type (CONTRACT §5): a string, or a list of them. */
export const SECRET_FIELDS = ["secret", "secrets", "token", "tokens", "value", "password"] as const

/** A secret encrypted at rest (AES-256-GCM): which key, the nonce, and ciphertext with its tag, base64. */
export interface SecretEnvelope {
  readonly $encrypted: "aes-256-gcm"
  readonly kid: string
  readonly iv: string
  readonly data: string
}

export const isSecretEnvelope = (value: unknown): value is SecretEnvelope =>
  typeof value === "object" &&
  value !== null &&
  (value as Record<string, unknown>).$encrypted === "aes-256-gcm" &&
  typeof (value as Record<string, unknown>).kid === "string" &&
  typeof (value as Record<string, unknown>).iv === "string" &&
  typeof (value as Record<string, unknown>).data === "string"

type Config = Readonly<Record<string, unknown>>
const isConfig = (value: unknown): value is Config =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Every secret value of the config (a field's string or envelope, or each element of its list). */
export const secretValues = (config: unknown): ReadonlyArray<unknown> =>
  isConfig(config)
    ? SECRET_FIELDS.flatMap((field) => {
        const value = config[field]
        return value === undefined ? [] : Array.isArray(value) ? value : [value]
      })
    : []

/** The key ids of the config's secrets that are still encrypted (none once they are all opened). */
export const sealedKeyIds = (config: unknown): ReadonlyArray<string> => [
  ...new Set(
    secretValues(config)
      .filter(isSecretEnvelope)
      .map((envelope) => envelope.kid)
  )
]

/**
 * The secret values of a route's target config (issue 17): an `http` target's header values and its signing
 * secret(s). Other targets hold none.
 */
export const targetSecretValues = (targetType: string, config: unknown): ReadonlyArray<unknown> => {
  if (targetType !== "http" || !isConfig(config)) return []
  const headers = isConfig(config.headers) ? Object.values(config.headers) : []
  return [...headers, ...secretValues(config.signing)]
}

/** The key ids of a target config's secrets that are still encrypted. */
export const sealedTargetKeyIds = (targetType: string, config: unknown): ReadonlyArray<string> => [
  ...new Set(
    targetSecretValues(targetType, config)
      .filter(isSecretEnvelope)
      .map((envelope) => envelope.kid)
  )
]
