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
  // Runs per request: no set and no entry pairs, as the lists are a few names.
  const stored: Record<string, string> = {}
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value === undefined) continue
    const key = name.toLowerCase()
    stored[key] = ALWAYS_REDACTED.includes(key) || isAmong(key, alsoRedact) ? REDACTED : value
  }
  return stored
}

const isAmong = (key: string, names: ReadonlyArray<string>) => {
  for (const name of names) if (name.toLowerCase() === key) return true
  return false
}
