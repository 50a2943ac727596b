import { Result } from "effect"
import { SECRET_FIELDS } from "../domain/secretFields.ts"

// Pure helpers over a verifier_config's JSON: keeping secrets across an update, and rotating them.

type Config = Readonly<Record<string, unknown>>

/** A new config of the same type keeps every secret field it leaves out (secrets are write-only). */
export const keepOmittedSecrets = (current: unknown, next: Config): Config => {
  if (current === null || typeof current !== "object" || (current as Config).type !== next.type) return next
  const kept = Object.fromEntries(
    SECRET_FIELDS.filter((field) => !(field in next) && field in current).map((field) => [
      field,
      (current as Config)[field]
    ])
  )
  return { ...next, ...kept }
}

const listOf = (config: Config, single: string, plural: string): ReadonlyArray<unknown> => [
  ...(config[single] === undefined ? [] : [config[single]]),
  ...(Array.isArray(config[plural]) ? (config[plural] as ReadonlyArray<unknown>) : [])
]

/**
 * The config with `secret` (or GitLab's `token`) replaced; with `keepPrevious` the secrets it held stay valid
 * in `secrets` (`tokens`), for a rotation without a gap. `api_key` and `basic_auth` hold one credential only.
 */
export const rotateSecret = (
  current: unknown,
  secret: string,
  keepPrevious: boolean | undefined
): Result.Result<Config, string> => {
  if (current === null || typeof current !== "object" || Array.isArray(current))
    return Result.fail("the source has no verifier (type none): set a verifier_config instead")
  const config = current as Config
  const single = (singleField: string, pluralField: string) => {
    const previous = keepPrevious === false ? [] : listOf(config, singleField, pluralField).filter((s) => s !== secret)
    const { [pluralField]: _dropped, ...rest } = config
    return Result.succeed(
      previous.length === 0
        ? { ...rest, [singleField]: secret }
        : { ...rest, [singleField]: secret, [pluralField]: previous }
    )
  }
  switch (config.type) {
    case "api_key":
    case "basic_auth": {
      if (keepPrevious === true)
        return Result.fail(`a ${config.type} verifier holds one credential: keep_previous must be false`)
      return Result.succeed({ ...config, [config.type === "api_key" ? "value" : "password"]: secret })
    }
    case "gitlab":
      return single("token", "tokens")
    case "none":
    case undefined:
      return Result.fail("the source has no verifier (type none): set a verifier_config instead")
    default:
      return single("secret", "secrets")
  }
}
