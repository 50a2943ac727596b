import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseMediaType } from "../../src/domain/mediaType.ts"
import { parseValuePath, resolvePath } from "../../src/domain/resolvePath.ts"
import { MAX_NESTING } from "../../src/domain/storable.ts"
import { extractEventType } from "../../src/ingest/eventType.ts"
import { headersForStorage } from "../../src/ingest/headers.ts"
import { extractIdempotencyKey } from "../../src/ingest/idempotencyKey.ts"
import { interpretPayload } from "../../src/ingest/interpretPayload.ts"
import { naturalIdempotencyKey } from "../../src/ingest/naturalIdempotencyKey.ts"
import { parsePayload } from "../../src/ingest/parse.ts"
import { normalizeSourceIp } from "../../src/ingest/sourceIp.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("parsePayload", () => {
  const ok: Array<[string | null, string, unknown]> = [
    ["application/json", '{"a":[1,"x"]}', { a: [1, "x"] }],
    ["application/json; charset=UTF-8", '{"é":"ü"}', { é: "ü" }],
    ["application/vnd.api+json", "[1,2]", [1, 2]],
    ["text/json", '"just a string"', "just a string"],
    ["application/x-www-form-urlencoded", "a=1&b=two+words&a=3&c=%E2%9C%93", { a: ["1", "3"], b: "two words", c: "✓" }],
    ["application/x-www-form-urlencoded", "__proto__=x", { ["__proto__"]: "x" }],
    ["application/xml", "<a>1</a>", null],
    ["text/plain", "hello", null],
    [null, '{"no":"content type"}', null],
    ["application/json", "", null]
  ]
  for (const [contentType, body, expected] of ok) {
    it(`${contentType ?? "no content type"}: ${JSON.stringify(body)}`, () => {
      assert.deepStrictEqual(parsePayload(contentType, bytes(body)), Result.succeed(expected))
    })
  }
  it("a form key named __proto__ stays data, not a prototype", () => {
    const parsed = parsePayload("application/x-www-form-urlencoded", bytes("__proto__=x"))
    assert.isTrue(Result.isSuccess(parsed) && Object.getPrototypeOf(parsed.success) === Object.prototype)
  })
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ["application/json", bytes('{"a":'), /not valid JSON/],
    ["application/json", bytes("{'a':1}"), /not valid JSON/],
    ["application/json", new Uint8Array([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    ["application/json; charset=latin1", bytes("{}"), /unsupported charset latin1/]
  ]
  for (const [contentType, body, message] of bad) {
    it(`${contentType} fails with a reason: ${message}`, () => {
      const result = parsePayload(contentType, body)
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) assert.match(result.failure, message)
    })
  }
  it("multipart/form-data: fields as JSON (repeated names → arrays), files noted by name, size and type", async () => {
    const form = new FormData()
    form.append("a", "1")
    form.append("a", "2")
    form.append("name", "héllo ☃")
    form.append("file", new Blob([new Uint8Array([0, 1, 2, 255])], { type: "image/png" }), "x.png")
    const encoded = new Response(form)
    const contentType = encoded.headers.get("content-type")!
    const body = new Uint8Array(await encoded.arrayBuffer())
    assert.deepStrictEqual(
      parsePayload(contentType, body),
      Result.succeed({
        a: ["1", "2"],
        name: "héllo ☃",
        file: { filename: "x.png", content_type: "image/png", size: 4 }
      })
    )
    const truncated = parsePayload(contentType, body.slice(0, body.length - 10))
    assert.isTrue(Result.isFailure(truncated) && truncated.failure.includes("multipart"))
    assert.isTrue(Result.isFailure(parsePayload("multipart/form-data", body)))
  })
  it("parses media types case-insensitively", () => {
    assert.deepStrictEqual(parseMediaType('Application/JSON ; Charset="UTF-8"'), {
      essence: "application/json",
      charset: "utf-8"
    })
  })
})

describe("extractEventType (CONTRACT §7)", () => {
  const body = { type: "body.type", event: "body.event", action: "opened", data: { kind: "nested", n: 5 } }
  const cases: Array<[string, unknown, Record<string, string>, unknown, string | null]> = [
    ["x-event-type first", null, { "x-event-type": "a", "x-github-event": "b" }, body, "a"],
    ["then x-github-event", null, { "x-github-event": "push" }, body, "push"],
    ["then x-gitlab-event", null, { "x-gitlab-event": "Push Hook" }, body, "Push Hook"],
    ["then x-shopify-topic", null, { "x-shopify-topic": "orders/create" }, body, "orders/create"],
    ["then x-webhook-event", null, { "x-webhook-event": "w" }, body, "w"],
    ["then body type", null, {}, body, "body.type"],
    ["then body event", null, {}, { event: "e", action: "a" }, "e"],
    ["then body event_type", null, {}, { event_type: "et", action: "a" }, "et"],
    ["then body action", null, {}, { action: "closed" }, "closed"],
    ["numbers count, written in decimal", null, {}, { type: 12 }, "12"],
    ["objects do not count", null, {}, { type: { a: 1 }, action: "x" }, "x"],
    ["nothing found", null, {}, { other: 1 }, null],
    ["no body", null, {}, null, null],
    ["configured header", { header: "X-Kind" }, { "x-kind": "k", "x-event-type": "a" }, body, "k"],
    ["configured body path", { path: "data.kind" }, { "x-event-type": "a" }, body, "nested"],
    ["configured body. path", { path: "body.data.n" }, {}, body, "5"],
    ["configured but absent", { path: "data.missing" }, { "x-event-type": "a" }, body, null]
  ]
  for (const [name, config, headers, payload, expected] of cases) {
    it(name, () => assert.strictEqual(extractEventType(config, { headers, body: payload }), expected))
  }
})

describe("paths and idempotency keys (CONTRACT §6)", () => {
  const input = {
    headers: { "x-delivery": "d-1", "x-empty": "" },
    body: { id: "evt_1", items: [{ sku: "a" }, { sku: 7 }], big: 1e21, frac: 1.5, flag: true }
  }
  it("resolves header and body paths, indexing arrays", () => {
    assert.strictEqual(resolvePath("header.X-Delivery", input), "d-1")
    assert.strictEqual(resolvePath("body.id", input), "evt_1")
    assert.strictEqual(resolvePath("body.items.1.sku", input), "7")
    assert.strictEqual(resolvePath("body.frac", input), "1.5")
    assert.strictEqual(resolvePath("body.big", input), "1000000000000000000000")
    assert.isNull(resolvePath("body.flag", input))
    assert.isNull(resolvePath("body.items", input))
    assert.isNull(resolvePath("body.items.9.sku", input))
    assert.isNull(resolvePath("body.id.length", input))
    assert.isNull(resolvePath("nowhere.id", input))
  })
  it("takes the first path that resolves to a non-empty value", () => {
    assert.strictEqual(extractIdempotencyKey(["header.x-missing", "header.x-empty", "body.id"], input), "evt_1")
    assert.strictEqual(extractIdempotencyKey(["header.x-delivery", "body.id"], input), "d-1")
    assert.isNull(extractIdempotencyKey(["body.nope"], input))
    assert.isNull(extractIdempotencyKey(null, input))
  })
  it("integers above 2^53 keep the digits received (a double would round neighbours to one key)", () => {
    // Through ingest's interpretation of a body, as a source's idempotency_key_paths are read.
    const keyOf = (json: string, paths: ReadonlyArray<string>) => {
      const source = { event_type_config: null, idempotency_key_paths: paths, verifier_type: null }
      const headers = { "content-type": "application/json" }
      return Result.getOrThrow(interpretPayload(source, headers, new TextEncoder().encode(json))).idempotency_key
    }
    // Shopify's documented order id, and its neighbour: both are read as the double 820982911946154496.
    assert.strictEqual(keyOf('{"id":820982911946154508}', ["body.id"]), "820982911946154508")
    assert.strictEqual(keyOf('{"id":820982911946154509}', ["body.id"]), "820982911946154509")
    assert.strictEqual(keyOf('{"o":{"ids":[1,-12345678901234567890]}}', ["body.o.ids.1"]), "-12345678901234567890")
    // Safe integers, fractions and exponents read as before.
    assert.strictEqual(keyOf('{"id":9007199254740991,"pad":"1234567890123456"}', ["body.id"]), "9007199254740991")
    assert.strictEqual(keyOf('{"id":1e21}', ["body.id"]), "1000000000000000000000")
    assert.strictEqual(keyOf('{"id":12345678901234567.5}', ["body.id"]), "12345678901234568")
  })
})

describe("headersForStorage (CONTRACT §4)", () => {
  it("lower-cases names and redacts credentials, including the api_key verifier's header", () => {
    const stored = headersForStorage(
      {
        Authorization: "Bearer x",
        cookie: "a=b",
        "X-Api-Key": "key",
        "Content-Type": "application/json",
        "x-absent": undefined
      },
      ["x-API-key"]
    )
    assert.deepStrictEqual(stored, {
      authorization: "[redacted]",
      cookie: "[redacted]",
      "x-api-key": "[redacted]",
      "content-type": "application/json"
    })
  })
})

describe("normalizeSourceIp", () => {
  it("unwraps IPv4-mapped IPv6 and keeps the rest", () => {
    assert.strictEqual(normalizeSourceIp("::ffff:10.1.2.3"), "10.1.2.3")
    assert.strictEqual(normalizeSourceIp("2001:db8::1"), "2001:db8::1")
    assert.isNull(normalizeSourceIp(null))
  })
})

describe("naturalIdempotencyKey (PROVIDERS.md)", () => {
  const cases: Array<[string | null, Record<string, string>, unknown, string | null]> = [
    ["github", { "x-github-delivery": "d-1", "x-github-hook-id": "42" }, {}, "42:d-1"],
    ["github", { "x-github-delivery": "d-1" }, {}, "d-1"],
    ["github", {}, {}, null],
    ["stripe", {}, { id: "evt_1" }, "evt_1"],
    ["standard_webhooks", { "webhook-id": "msg_1" }, {}, "msg_1"],
    ["standard_webhooks", { "svix-id": "msg_2" }, {}, "msg_2"],
    ["shopify", { "x-shopify-event-id": "e", "x-shopify-webhook-id": "w" }, {}, "e"],
    ["shopify", { "x-shopify-webhook-id": "w" }, {}, "w"],
    ["slack", {}, { event_id: "Ev1" }, "Ev1"],
    ["gitlab", { "x-gitlab-event-uuid": "u" }, {}, "u"],
    ["linear", { "linear-delivery": "l" }, {}, "l"],
    ["paddle", {}, { event_id: "evt_p" }, "evt_p"],
    ["twilio", { "i-twilio-idempotency-token": "t" }, {}, "t"],
    ["square", {}, { event_id: "sq" }, "sq"],
    ["zoom", {}, { event_id: "z" }, null],
    ["hmac", { "x-github-delivery": "d" }, { id: "x" }, null],
    [null, {}, { id: "x" }, null]
  ]
  for (const [type, headers, body, expected] of cases) {
    it(`${type}: ${expected}`, () => assert.strictEqual(naturalIdempotencyKey(type, headers, body), expected))
  }
})

describe("interpretPayload limits", () => {
  const source = { event_type_config: null, idempotency_key_paths: null, verifier_type: null }
  const json = { "content-type": "application/json" }
  it(`accepts ${MAX_NESTING} levels of nesting and refuses one more, without overflowing the stack`, () => {
    const nested = (depth: number) => new TextEncoder().encode(`${"[".repeat(depth)}${"]".repeat(depth)}`)
    assert.isTrue(Result.isSuccess(interpretPayload(source, json, nested(MAX_NESTING))))
    const deeper = interpretPayload(source, json, nested(MAX_NESTING + 1))
    assert.isTrue(Result.isFailure(deeper) && deeper.failure === `body nests deeper than ${MAX_NESTING} levels`)
    assert.isTrue(Result.isFailure(interpretPayload(source, json, nested(200_000))))
  })
  it("refuses U+0000, which jsonb cannot store", () => {
    const result = interpretPayload(source, json, new TextEncoder().encode('{"a":"x\\u0000y"}'))
    assert.isTrue(Result.isFailure(result) && result.failure.includes("U+0000"))
  })
  it("refuses lone UTF-16 surrogates in values and keys, which jsonb cannot store; keeps pairs and backslashes", () => {
    for (const body of ['{"a":"\\ud800"}', '{"a":["x","\\udc00y"]}', '{"\\udbff":1}', '"\\ud83d"']) {
      const result = interpretPayload(source, json, new TextEncoder().encode(body))
      assert.isTrue(Result.isFailure(result) && result.failure.includes("lone UTF-16 surrogate"), body)
    }
    for (const body of ['{"a":"\\ud83d\\ude00"}', '{"a":"😀"}', '{"a":"\\\\ud800 and \\\\u0000 as text"}']) {
      const result = interpretPayload(source, json, new TextEncoder().encode(body))
      assert.isTrue(Result.isSuccess(result), body)
    }
  })
})

describe("parseValuePath (CONTRACT §6)", () => {
  it("parses a path once into what a lookup needs, the same object each time after", () => {
    assert.deepStrictEqual(parseValuePath("header.X-GitHub-Delivery"), { kind: "header", name: "x-github-delivery" })
    assert.deepStrictEqual(parseValuePath("body.data.0.id"), { kind: "body", segments: ["data", "0", "id"] })
    assert.deepStrictEqual(parseValuePath("query.x"), { kind: "none" })
    assert.strictEqual(parseValuePath("body.data.0.id"), parseValuePath("body.data.0.id"))
  })
})
