import { BlockList, isIP } from "node:net"
import { Result } from "effect"

// Where an `http` target may send (issue 17, SSRF). An entry of EVENTHOOK_DESTINATION_ALLOW / _DENY is a CIDR
// (`10.0.0.0/8`, `fd00::/8`), a single address, a host name (`hooks.example.com`) or a domain with its subdomains
// (`*.example.com`). The rules:
// - deny wins: a destination is refused when its host name matches a deny entry, or when any address it resolves
//   to lies in a denied range; link-local and cloud-metadata addresses are always denied;
// - with an allow list set, a destination must also match it, by host name or by the resolved address;
// - without one, every other destination is allowed (loopback and private ranges included: deny them in a
//   shared install).
// The URL is judged when a route is written (what can be known without DNS) and the address when it is sent to,
// on the address the connection is actually made to, so a name that later resolves elsewhere is still caught.

/** Always denied: link-local (169.254.0.0/16 holds the cloud metadata service), IPv6 link-local, AWS's IPv6 IMDS. */
export const ALWAYS_DENIED = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"] as const

interface Entries {
  readonly addresses: BlockList
  readonly names: ReadonlyArray<string>
  readonly suffixes: ReadonlyArray<string>
  readonly hasAddresses: boolean
}

export interface DestinationRules {
  readonly allow: Entries | null
  readonly deny: Entries
}

const HOST_NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4")

/** Parses a list of entries; the error names the entry that is neither a CIDR, an address nor a host name. */
const parseEntries = (entries: ReadonlyArray<string>): Result.Result<Entries, string> => {
  const addresses = new BlockList()
  const names: Array<string> = []
  const suffixes: Array<string> = []
  let hasAddresses = false
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase()
    if (entry === "") continue
    const [address, bits, ...rest] = entry.split("/")
    if (address !== undefined && isIP(address) !== 0) {
      const family = familyOf(address)
      const max = family === "ipv6" ? 128 : 32
      const prefix = bits === undefined ? max : Number(bits)
      if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits ?? "0") === "")
        return Result.fail(`"${raw}" is not a CIDR`)
      addresses.addSubnet(address, prefix, family)
      hasAddresses = true
    } else if (HOST_NAME.test(entry)) {
      if (entry.startsWith("*.")) suffixes.push(entry.slice(1))
      else names.push(entry)
    } else return Result.fail(`"${raw}" is neither a CIDR, an address nor a host name`)
  }
  return Result.succeed({ addresses, names, suffixes, hasAddresses })
}

export const parseDestinationRules = (options: {
  readonly allow: ReadonlyArray<string> | null
  readonly deny: ReadonlyArray<string>
}): Result.Result<DestinationRules, string> =>
  Result.gen(function* () {
    const deny = yield* parseEntries([...ALWAYS_DENIED, ...options.deny]).pipe(
      Result.mapError((message) => `EVENTHOOK_DESTINATION_DENY: ${message}`)
    )
    const allow =
      options.allow === null
        ? null
        : yield* parseEntries(options.allow).pipe(
            Result.mapError((message) => `EVENTHOOK_DESTINATION_ALLOW: ${message}`)
          )
    return { allow, deny }
  })

/** The default rules: only the always-denied ranges. */
export const defaultDestinationRules: DestinationRules = Result.getOrThrow(
  parseDestinationRules({ allow: null, deny: [] })
)

const nameMatches = (entries: Entries, host: string) =>
  entries.names.includes(host) || entries.suffixes.some((suffix) => host.endsWith(suffix))
const addressMatches = (entries: Entries, address: string) =>
  isIP(address) !== 0 && entries.addresses.check(address, familyOf(address))

/** The host of a URL without IPv6 brackets, lower-cased. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase()

/**
 * Judges a destination URL as far as it can be without DNS (when a route is written, and before sending): the
 * scheme, credentials in the URL, a denied host name, and a literal address. Fails with the reason, in words.
 */
export const checkDestinationUrl = (text: string, rules: DestinationRules): Result.Result<URL, string> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Result.fail("is not a URL")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return Result.fail("must be an http or https URL")
  if (url.username !== "" || url.password !== "")
    return Result.fail("must not hold credentials (send them in `headers`, which are write-only)")
  const host = hostOf(url)
  if (nameMatches(rules.deny, host)) return Result.fail(`host ${host} is denied (EVENTHOOK_DESTINATION_DENY)`)
  if (isIP(host) !== 0) {
    const refused = checkDestinationAddress(host, host, rules)
    if (refused !== null) return Result.fail(refused)
  } else if (rules.allow !== null && !rules.allow.hasAddresses && !nameMatches(rules.allow, host))
    return Result.fail(`host ${host} is not allowed (EVENTHOOK_DESTINATION_ALLOW)`)
  return Result.succeed(url)
}

/** Judges the address a destination's host resolved to: null when it may be connected to, else the reason. */
export const checkDestinationAddress = (host: string, address: string, rules: DestinationRules): string | null => {
  const shown = host === address ? address : `${host} (${address})`
  if (addressMatches(rules.deny, address) || nameMatches(rules.deny, host))
    return `destination ${shown} is denied (link-local, metadata or EVENTHOOK_DESTINATION_DENY)`
  if (rules.allow !== null && !addressMatches(rules.allow, address) && !nameMatches(rules.allow, host))
    return `destination ${shown} is not allowed (EVENTHOOK_DESTINATION_ALLOW)`
  return null
}
