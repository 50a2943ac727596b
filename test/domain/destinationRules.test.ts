import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import {
  checkDestinationAddress,
  checkDestinationUrl,
  defaultDestinationRules,
  parseDestinationRules
} from "../../src/domain/destinationRules.ts"

// Issue 17: where an http target may send (SSRF). The rules' semantics, one case each.

const rules = (allow: ReadonlyArray<string> | null, deny: ReadonlyArray<string>) =>
  Result.getOrThrow(parseDestinationRules({ allow, deny }))

describe("destination rules", () => {
  it("by default: link-local and metadata addresses are refused, in every spelling; loopback and private are allowed", () => {
    for (const address of ["169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254"])
      assert.isNotNull(checkDestinationAddress("h", address, defaultDestinationRules), address)
    for (const address of ["127.0.0.1", "::1", "10.0.0.5", "192.168.1.1", "203.0.113.7", "fd00:ec2::253"])
      assert.isNull(checkDestinationAddress("h", address, defaultDestinationRules), address)
  })

  it("deny: CIDRs, single addresses, host names and *.domains", () => {
    const denying = rules(null, ["10.0.0.0/8", "203.0.113.7", "internal.example", "*.corp.example"])
    assert.isNotNull(checkDestinationAddress("a.example", "10.200.0.1", denying))
    assert.isNotNull(checkDestinationAddress("a.example", "203.0.113.7", denying))
    assert.isNull(checkDestinationAddress("a.example", "203.0.113.8", denying))
    assert.isNotNull(checkDestinationAddress("internal.example", "198.51.100.1", denying))
    assert.isNotNull(checkDestinationAddress("api.corp.example", "198.51.100.1", denying))
    assert.isNull(checkDestinationAddress("corp.example.org", "198.51.100.1", denying))
  })

  it("allow: only matching names or addresses; deny wins over allow", () => {
    const allowing = rules(["hooks.example.com", "10.0.0.0/8"], ["10.9.0.0/16"])
    assert.isNull(checkDestinationAddress("hooks.example.com", "198.51.100.1", allowing))
    assert.isNull(checkDestinationAddress("svc.local", "10.1.0.1", allowing))
    assert.isNotNull(checkDestinationAddress("svc.local", "10.9.0.1", allowing))
    assert.isNotNull(checkDestinationAddress("other.example", "198.51.100.1", allowing))
    assert.include(checkDestinationAddress("other.example", "198.51.100.1", allowing), "not allowed")
  })

  it("a bad entry is refused, naming it", () => {
    for (const entry of ["10.0.0.0/33", "1.2.3.4/", "not a host!", "fe80::/129"]) {
      const parsed = parseDestinationRules({ allow: null, deny: [entry] })
      assert.isTrue(Result.isFailure(parsed), entry)
      if (Result.isFailure(parsed)) assert.include(parsed.failure, entry)
    }
  })

  it("a URL is judged at write time as far as it can be without DNS", () => {
    const nameOnlyAllow = rules(["hooks.example.com"], ["bad.example"])
    const refused = (url: string) => Result.isFailure(checkDestinationUrl(url, nameOnlyAllow))
    assert.isFalse(refused("https://hooks.example.com/in"))
    assert.isTrue(refused("https://elsewhere.example.com/in"))
    assert.isTrue(refused("http://bad.example/"))
    assert.isTrue(refused("http://169.254.169.254/"))
    assert.isTrue(refused("http://u:p@hooks.example.com/"))
    assert.isTrue(refused("file:///etc/passwd"))
    // With an address in the allow list a name can only be judged once resolved: accepted now, checked on sending.
    assert.isFalse(Result.isFailure(checkDestinationUrl("https://anything.example/", rules(["10.0.0.0/8"], []))))
  })
})
