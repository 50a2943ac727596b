import { assert, describe, it } from "@effect/vitest"
import { verify as octokitVerify } from "@octokit/webhooks-methods"
import { Result } from "effect"
import { verifyRequest } from "../../src/verify/registry.ts"
import type { RawRequest } from "../../src/verify/types.ts"
import githubVectors from "../vectors/github.json" with { type: "json" }
import hmacVectors from "../vectors/hmac.json" with { type: "json" }

const NOW = 1_700_000_000
const bytes = (text: string) => new TextEncoder().encode(text)
const request = (body: string | Uint8Array, headers: Record<string, string>): RawRequest => ({
  body: typeof body === "string" ? bytes(body) : body,
  headers
})
const source = (config: unknown) => ({
  verifier_type: (config as { type?: string } | null)?.type ?? null,
  verifier_config: config
})
const reasonOf = (result: ReturnType<typeof verifyRequest>) =>
  Result.isFailure(result) ? result.failure.reason : "verified"

describe("hmac verifier (vectors from WebCrypto)", () => {
  for (const vector of hmacVectors.vectors) {
    const name = `${vector.algorithm} ${vector.encoding} ${vector.prefix === null ? "no prefix" : `prefix ${vector.prefix}`}`
    const config = {
      type: "hmac",
      header: "X-Signature",
      algorithm: vector.algorithm,
      encoding: vector.encoding,
      secret: vector.secret,
      ...(vector.prefix === null ? {} : { prefix: vector.prefix })
    }
    it(`${name}: verifies the exact bytes`, () => {
      const result = verifyRequest(source(config), request(vector.payload, { "x-signature": vector.signature }), NOW)
      assert.deepStrictEqual(result, Result.succeed({ secretIndex: 0 }))
    })
    it(`${name}: one changed byte, a wrong secret or a missing header fail`, () => {
      const tampered = `${vector.payload} `
      assert.strictEqual(
        reasonOf(verifyRequest(source(config), request(tampered, { "x-signature": vector.signature }), NOW)),
        "signature_mismatch"
      )
      assert.strictEqual(
        reasonOf(
          verifyRequest(
            source({ ...config, secret: "wrong" }),
            request(vector.payload, { "x-signature": vector.signature }),
            NOW
          )
        ),
        "signature_mismatch"
      )
      assert.strictEqual(reasonOf(verifyRequest(source(config), request(vector.payload, {}), NOW)), "missing_header")
    })
  }

  it("a signature that is not valid hex or lacks the prefix is malformed", () => {
    const config = {
      type: "hmac",
      header: "x-sig",
      algorithm: "sha256",
      encoding: "hex",
      prefix: "sha256=",
      secret: "s"
    }
    assert.strictEqual(
      reasonOf(verifyRequest(source(config), request("{}", { "x-sig": "sha256=zz" }), NOW)),
      "malformed_header"
    )
    assert.strictEqual(
      reasonOf(verifyRequest(source(config), request("{}", { "x-sig": "abcd" }), NOW)),
      "malformed_header"
    )
  })

  it("any of `secrets` may verify, and the index of the one that did is reported", () => {
    const vector = hmacVectors.vectors[0]!
    const config = {
      type: "hmac",
      header: "x-signature",
      algorithm: vector.algorithm,
      encoding: vector.encoding,
      secrets: ["old-secret", vector.secret]
    }
    const result = verifyRequest(source(config), request(vector.payload, { "x-signature": vector.signature }), NOW)
    assert.deepStrictEqual(result, Result.succeed({ secretIndex: 1 }))
  })
})

describe("github verifier (vectors from @octokit/webhooks-methods)", () => {
  for (const [index, vector] of githubVectors.vectors.entries()) {
    it(`vector ${index} verifies, and the SDK agrees`, async () => {
      assert.isTrue(await octokitVerify(vector.secret, vector.payload, vector.signature))
      const result = verifyRequest(
        source({ type: "github", secret: vector.secret }),
        request(vector.payload, { "x-hub-signature-256": vector.signature }),
        NOW
      )
      assert.isTrue(Result.isSuccess(result))
    })
  }

  it("rejects a re-serialised body, a wrong secret, a sha1 header and a missing header", () => {
    const vector = githubVectors.vectors[0]!
    const config = source({ type: "github", secret: vector.secret })
    const reserialised = JSON.stringify(JSON.parse(vector.payload), null, 1)
    assert.strictEqual(
      reasonOf(verifyRequest(config, request(reserialised, { "x-hub-signature-256": vector.signature }), NOW)),
      "signature_mismatch"
    )
    assert.strictEqual(
      reasonOf(
        verifyRequest(
          source({ type: "github", secret: "nope" }),
          request(vector.payload, { "x-hub-signature-256": vector.signature }),
          NOW
        )
      ),
      "signature_mismatch"
    )
    assert.strictEqual(
      reasonOf(verifyRequest(config, request(vector.payload, { "x-hub-signature-256": "sha1=abcd" }), NOW)),
      "malformed_header"
    )
    assert.strictEqual(
      reasonOf(verifyRequest(config, request(vector.payload, { "x-hub-signature": "sha1=abcd" }), NOW)),
      "missing_header"
    )
  })
})

describe("api_key verifier", () => {
  const config = source({ type: "api_key", header: "X-Api-Key", value: "s3cr3t-key" })
  it("accepts the exact key in the configured header, case-insensitively named", () => {
    assert.isTrue(Result.isSuccess(verifyRequest(config, request("{}", { "x-api-key": "s3cr3t-key" }), NOW)))
  })
  it("rejects a wrong, shorter, longer or missing key", () => {
    for (const given of ["s3cr3t-kez", "s3cr3t", "s3cr3t-key-and-more", ""]) {
      const reason = reasonOf(verifyRequest(config, request("{}", { "x-api-key": given }), NOW))
      assert.strictEqual(reason, given === "" ? "missing_header" : "credentials_mismatch")
    }
    assert.strictEqual(reasonOf(verifyRequest(config, request("{}", {}), NOW)), "missing_header")
  })
})

describe("basic_auth verifier", () => {
  const config = source({ type: "basic_auth", username: "hook", password: "pässword" })
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`
  it("accepts the right username and password", () => {
    const result = verifyRequest(config, request("", { authorization: basic("hook:pässword") }), NOW)
    assert.isTrue(Result.isSuccess(result))
  })
  it("rejects a wrong username or password, another scheme, and no header", () => {
    for (const credentials of ["hook:wrong", "other:pässword", "hook:", "hook:pässword:extra"]) {
      assert.strictEqual(
        reasonOf(verifyRequest(config, request("", { authorization: basic(credentials) }), NOW)),
        "credentials_mismatch"
      )
    }
    assert.strictEqual(
      reasonOf(verifyRequest(config, request("", { authorization: "Bearer abc" }), NOW)),
      "malformed_header"
    )
    assert.strictEqual(
      reasonOf(
        verifyRequest(config, request("", { authorization: `Basic ${Buffer.from("nocolon").toString("base64")}` }), NOW)
      ),
      "malformed_header"
    )
    assert.strictEqual(reasonOf(verifyRequest(config, request("", {}), NOW)), "missing_header")
  })
})

describe("verifier configs fail closed", () => {
  const anyRequest = request("{}", { "x-signature": "abc", "x-hub-signature-256": "sha256=00" })
  const cases: Array<[string, string | null, unknown]> = [
    ["an unknown type", "magic", { type: "magic" }],
    ["a hmac config without a secret", "hmac", { type: "hmac", header: "x", algorithm: "sha256", encoding: "hex" }],
    ["an empty secrets list", "github", { type: "github", secrets: [] }],
    ["an empty secret", "github", { type: "github", secret: "" }],
    ["an unknown algorithm", "hmac", { type: "hmac", header: "x", algorithm: "md5", encoding: "hex", secret: "s" }],
    ["an unknown field", "github", { type: "github", secret: "s", tolerance: 5 }],
    ["a type that disagrees with verifier_type", "none", { type: "github", secret: "s" }],
    ["a verifier_type without a config", "github", null],
    ["a config that is not an object", null, "github"]
  ]
  for (const [name, verifierType, config] of cases) {
    it(`rejects every request for ${name}`, () => {
      const result = verifyRequest({ verifier_type: verifierType, verifier_config: config }, anyRequest, NOW)
      assert.strictEqual(reasonOf(result), "invalid_config")
    })
  }
  it("the reason never quotes a secret", () => {
    const result = verifyRequest(
      {
        verifier_type: "hmac",
        verifier_config: { type: "hmac", header: "x", algorithm: "md5", encoding: "hex", secret: "TOPSECRET" }
      },
      anyRequest,
      NOW
    )
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.notInclude(result.failure.description, "TOPSECRET")
  })
  it("only an explicit none, or no config at all, accepts everything", () => {
    assert.isTrue(
      Result.isSuccess(verifyRequest({ verifier_type: "none", verifier_config: { type: "none" } }, anyRequest, NOW))
    )
    assert.isTrue(Result.isSuccess(verifyRequest({ verifier_type: null, verifier_config: null }, anyRequest, NOW)))
  })
})
