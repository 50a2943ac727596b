const REDACTED = "[redacted]"
const ALWAYS_REDACTED = ["authorization", "cookie", "proxy-authorization"]

/**
 * The headers as stored (CONTRACT §4): lower-cased names to string values, with credentials replaced by
 * `"[redacted]"`: `authorization`, `cookie`, and the headers that carry the
 * source's credential (`credentialHeaders` in the verifier registry).
 */
export const headersForStorage = (
  headers: Readonly<Record<string, string | undefined>>,
  alsoRedact: ReadonlyArray<string>
): Record<string, string> => {
  const redacted = new Set([...ALWAYS_REDACTED, ...alsoRedact.map((name) => name.toLowerCase())])
  const stored: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const key = name.toLowerCase()
    stored[key] = redacted.has(key) ? REDACTED : value
  }
  return stored
}
