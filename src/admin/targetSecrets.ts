// An `http` target's header values and signing secrets are write-only, like a verifier's secrets (issue 17):
// never shown back, and kept on an update that leaves them out (or sends back what the API showed).

export const REDACTED = "[redacted]"

type Config = Readonly<Record<string, unknown>>
type JsonObject = Config
const isRecord = (value: unknown): value is Config =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const secretsIn = (signing: Config) =>
  (signing.secret === undefined ? 0 : 1) + (Array.isArray(signing.secrets) ? signing.secrets.length : 0)

/** The target config as the API shows it: header values redacted, signing secrets counted. */
export const visibleTargetConfig = (targetType: string, config: unknown): unknown => {
  if (targetType !== "http" || !isRecord(config)) return config
  const { headers, signing, ...rest } = config
  return {
    ...rest,
    ...(isRecord(headers) ? { headers: Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED])) } : {}),
    ...(isRecord(signing) ? { signing: { type: signing.type, secrets_configured: secretsIn(signing) } } : {})
  }
}

/**
 * The config an update stores: a header sent as `[redacted]` keeps its stored value, and a signing block without
 * `secret` or `secrets` keeps the stored ones (a `secrets_configured` count, as shown, is dropped).
 */
export const keepWriteOnly = (
  stored: { readonly target_type: string; readonly target_config: unknown },
  next: { readonly target_type: string; readonly target_config: JsonObject }
): JsonObject => {
  if (stored.target_type !== "http" || next.target_type !== "http" || !isRecord(stored.target_config))
    return next.target_config
  const before = stored.target_config
  const config: Record<string, unknown> = { ...next.target_config }
  if (isRecord(config.headers)) {
    const storedHeaders = isRecord(before.headers) ? before.headers : {}
    const storedByName = new Map(Object.entries(storedHeaders).map(([name, value]) => [name.toLowerCase(), value]))
    config.headers = Object.fromEntries(
      Object.entries(config.headers).map(([name, value]) => [
        name,
        value === REDACTED ? (storedByName.get(name.toLowerCase()) ?? value) : value
      ])
    )
  }
  if (isRecord(config.signing) && isRecord(before.signing)) {
    const { secrets_configured: _shown, ...signing } = config.signing
    config.signing =
      signing.secret === undefined && signing.secrets === undefined
        ? {
            ...signing,
            ...(before.signing.secret === undefined ? {} : { secret: before.signing.secret }),
            ...(before.signing.secrets === undefined ? {} : { secrets: before.signing.secrets })
          }
        : signing
  }
  return config
}
