import { Context, Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { isSecretEnvelope, SECRET_FIELDS, type SecretEnvelope } from "../domain/secretFields.ts"

// Secrets at rest (issue 15): with EVENTHOOK_SECRET_KEY set, every secret of a verifier config is stored
// encrypted (AES-256-GCM, Web Crypto, a fresh 96-bit nonce per value) with the id of the key that sealed it, so
// the key can be rotated: EVENTHOOK_SECRET_KEY_PREVIOUS still opens what the old key sealed. A secret sealed under
// a key this instance does not have stays sealed, and the config rejects every request (fail closed). This keeps
// secrets out of a database dump or backup; it does not protect against a compromised host, which has the key.

interface Key {
  readonly id: string
  readonly key: Awaited<ReturnType<typeof crypto.subtle.importKey>>
}

// Binds every ciphertext to its purpose: a sealed verifier secret opens as nothing else, and a target's secret
// neither (so an envelope copied from a source into a route's headers cannot be opened and sent away).
const VERIFIER_AAD = new TextEncoder().encode("eventhook:verifier-secret:v1")
const TARGET_AAD = new TextEncoder().encode("eventhook:target-secret:v1")

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0))

const importKey = (base64: Redacted.Redacted<string>) =>
  Effect.gen(function* () {
    const raw = fromBase64(Redacted.value(base64))
    // The id names the key without revealing it: a prefix of its SHA-256.
    const digest = new Uint8Array(yield* Effect.promise(() => crypto.subtle.digest("SHA-256", raw)))
    const id = Array.from(digest.subarray(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join("")
    const key = yield* Effect.promise(() =>
      crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"])
    )
    return { id, key } satisfies Key
  })

type Config = Readonly<Record<string, unknown>>
const isConfig = (value: unknown): value is Config =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The config with `change` applied to every secret value (a field's value, or each element of its list). */
const mapSecrets = (config: unknown, change: (value: unknown) => Effect.Effect<unknown>): Effect.Effect<unknown> => {
  if (!isConfig(config)) return Effect.succeed(config)
  const record = config as Config
  return Effect.forEach(
    SECRET_FIELDS.filter((field) => record[field] !== undefined),
    (field) => {
      const value = record[field]
      return Effect.map(Array.isArray(value) ? Effect.forEach(value, change) : change(value), (changed) => [
        field,
        changed
      ])
    }
  ).pipe(Effect.map((entries) => ({ ...record, ...Object.fromEntries(entries) })))
}

/** An `http` target's config with `change` applied to its header values and signing secret(s). */
const mapTargetSecrets = (
  targetType: string,
  config: unknown,
  change: (value: unknown) => Effect.Effect<unknown>
): Effect.Effect<unknown> => {
  if (targetType !== "http" || !isConfig(config)) return Effect.succeed(config)
  return Effect.gen(function* () {
    const changed: Record<string, unknown> = { ...config }
    if (isConfig(config.headers))
      changed.headers = Object.fromEntries(
        yield* Effect.forEach(Object.entries(config.headers), ([name, value]) =>
          Effect.map(change(value), (sealed) => [name, sealed] as const)
        )
      )
    if (isConfig(config.signing)) changed.signing = yield* mapSecrets(config.signing, change)
    return changed
  })
}

export class SecretBox extends Context.Service<
  SecretBox,
  {
    /** The id of the key secrets are sealed under (EVENTHOOK_SECRET_KEY), or null: stored as given. */
    readonly currentKeyId: string | null
    /** Every plaintext secret of the config encrypted under the current key; the config as is without one. */
    readonly seal: (config: unknown) => Effect.Effect<unknown>
    /** Every secret sealed under a configured key opened; one under an unknown key left sealed. */
    readonly open: (config: unknown) => Effect.Effect<unknown>
    /** A route's target config with its secrets (an `http` target's header values and signing secrets) sealed. */
    readonly sealTarget: (targetType: string, config: unknown) => Effect.Effect<unknown>
    readonly openTarget: (targetType: string, config: unknown) => Effect.Effect<unknown>
  }
>()("eventhook/store/SecretBox") {
  static readonly make = (
    current: Option.Option<Redacted.Redacted<string>>,
    previous: Option.Option<Redacted.Redacted<string>>
  ) =>
    Effect.gen(function* () {
      const sealer = Option.isSome(current) ? yield* importKey(current.value) : null
      const openers = [sealer, Option.isSome(previous) ? yield* importKey(previous.value) : null].filter(
        (key): key is Key => key !== null
      )
      const sealOne =
        (aad: Uint8Array) =>
        (value: unknown): Effect.Effect<unknown> => {
          if (sealer === null || typeof value !== "string") return Effect.succeed(value)
          const iv = crypto.getRandomValues(new Uint8Array(12))
          return Effect.promise(() =>
            crypto.subtle.encrypt(
              { name: "AES-GCM", iv, additionalData: aad },
              sealer.key,
              new TextEncoder().encode(value)
            )
          ).pipe(
            Effect.map(
              (data): SecretEnvelope => ({
                $encrypted: "aes-256-gcm",
                kid: sealer.id,
                iv: toBase64(iv),
                data: toBase64(new Uint8Array(data))
              })
            )
          )
        }
      const openOne =
        (aad: Uint8Array) =>
        (value: unknown): Effect.Effect<unknown> => {
          if (!isSecretEnvelope(value)) return Effect.succeed(value)
          const opener = openers.find((key) => key.id === value.kid)
          if (opener === undefined) return Effect.succeed(value)
          return Effect.tryPromise(() =>
            crypto.subtle.decrypt(
              { name: "AES-GCM", iv: fromBase64(value.iv), additionalData: aad },
              opener.key,
              fromBase64(value.data)
            )
          ).pipe(
            Effect.map((plain) => new TextDecoder().decode(plain)),
            // A tampered or truncated value stays sealed: the config then rejects, it never verifies without it.
            Effect.orElseSucceed(() => value)
          )
        }
      return SecretBox.of({
        currentKeyId: sealer?.id ?? null,
        seal: (config) => mapSecrets(config, sealOne(VERIFIER_AAD)),
        open: (config) => mapSecrets(config, openOne(VERIFIER_AAD)),
        sealTarget: (targetType, config) => mapTargetSecrets(targetType, config, sealOne(TARGET_AAD)),
        openTarget: (targetType, config) => mapTargetSecrets(targetType, config, openOne(TARGET_AAD))
      })
    })

  static readonly layer = Layer.effect(
    SecretBox,
    Effect.flatMap(AppConfig, (config) => SecretBox.make(config.secretKey, config.secretKeyPrevious))
  )

  /** No key: secrets are stored as given, and a sealed one stays sealed. */
  static readonly plain = Layer.effect(SecretBox, SecretBox.make(Option.none(), Option.none()))
}
