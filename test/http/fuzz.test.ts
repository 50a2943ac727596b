import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import fc from "fast-check"
import { createSource, eventsOfTenant, freshTenant, TestServer } from "../support/TestLayers.ts"

const contentTypes = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/vnd.api+json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "multipart/form-data",
  "text/xml",
  "text/plain",
  "application/octet-stream",
  ";;;",
  "application/json; charset"
]

const deeplyNested = fc
  .record({ depth: fc.integer({ min: 100, max: 50_000 }), open: fc.constantFrom("[", '{"a":') })
  .map(({ depth, open }) => `${open.repeat(depth)}1${(open === "[" ? "]" : "}").repeat(depth)}`)
const hugeNumber = fc.integer({ min: 300, max: 5000 }).map((digits) => `{"n":${"9".repeat(digits)}}`)
// Escapes JSON accepts and jsonb does not: lone surrogates and U+0000 (they must never fail a whole batch).
const unstorableEscape = fc
  .constantFrom("\\ud800", "\\udfff", "\\u0000", "\\ud83d\\ude00")
  .chain((sequence) => fc.json().map((json) => `{"s":"${sequence}","v":${json}}`))

const request = fc.record({
  body: fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc.json().map((json) => new TextEncoder().encode(json)),
    fc.string({ unit: "binary" }).map((text) => new TextEncoder().encode(text)),
    fc.oneof(deeplyNested, hugeNumber, unstorableEscape).map((text) => new TextEncoder().encode(text))
  ),
  method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
  path: fc.oneof(
    fc.constant("known"),
    fc.constant("/api/tenants/nobody/eventhook/in/github"),
    fc.webPath().map((path) => `/${path.replace(/^\/+/, "")}`)
  ),
  contentType: fc.constantFrom(...contentTypes),
  source: fc.constantFrom("open", "github"),
  signature: fc.oneof(fc.constant(undefined), fc.string(), fc.stringMatching(/^sha256=[0-9a-f]{64}$/)),
  extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.stringMatching(/^[\x20-\x7e]{0,40}$/), { maxKeys: 4 })
})

layer(TestServer(), { excludeTestServices: true })("fuzzing the endpoint", (it) => {
  it.effect(
    "2,000 random requests: a contract code, never a 5xx; every 200/400/401 is stored once, byte for byte",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" }, rate_limit_burst: 10_000 })
        yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secret: "s" },
          rate_limit_burst: 10_000
        })
        const client = yield* HttpClient.HttpClient
        const samples = fc.sample(request, { numRuns: 2000, seed: 20261128 })
        const storedBodies: Array<Uint8Array> = []
        const statuses: Array<number> = []
        for (const sample of samples) {
          const headers: Record<string, string> = { ...sample.extra }
          if (sample.signature !== undefined) headers["x-hub-signature-256"] = sample.signature
          const path =
            sample.path === "known" ? `/api/tenants/${tenant.slug}/eventhook/in/${sample.source}` : sample.path
          const withBody = sample.method !== "GET" && sample.method !== "HEAD"
          const response = yield* client
            .execute(
              HttpClientRequest.make(sample.method)(path).pipe(
                HttpClientRequest.setHeaders(headers),
                withBody ? HttpClientRequest.bodyUint8Array(sample.body, sample.contentType) : (request) => request
              )
            )
            .pipe(Effect.orDie)
          const text = yield* response.text.pipe(Effect.orDie)
          const ingestedHere = sample.path === "known" && sample.method === "POST"
          assert.include(
            ingestedHere ? [200, 400, 401] : [404, 405],
            response.status,
            `${sample.method} ${path}: ${text}`
          )
          if (sample.method !== "HEAD") assert.match(text, /"(event_id|error)":/)
          if (ingestedHere) {
            statuses.push(response.status)
            storedBodies.push(sample.body)
          }
        }
        const stored = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(stored.length, storedBodies.length)
        assert.strictEqual(
          stored.filter((event) => event.status === "rejected").length,
          statuses.filter((s) => s === 401).length
        )
        assert.strictEqual(
          stored.filter((event) => event.status === "failed").length,
          statuses.filter((s) => s === 400).length
        )
        // Every stored body is byte for byte what was sent.
        assert.deepStrictEqual(
          stored.map((event) => event.raw_payload),
          storedBodies
        )
      }),
    120_000
  )
})
