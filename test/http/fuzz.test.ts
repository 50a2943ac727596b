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

const request = fc.record({
  body: fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc.json().map((json) => new TextEncoder().encode(json)),
    fc.string({ unit: "binary" }).map((text) => new TextEncoder().encode(text))
  ),
  contentType: fc.constantFrom(...contentTypes),
  source: fc.constantFrom("open", "github"),
  signature: fc.oneof(fc.constant(undefined), fc.string(), fc.stringMatching(/^sha256=[0-9a-f]{64}$/)),
  extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.stringMatching(/^[\x20-\x7e]{0,40}$/), { maxKeys: 4 })
})

layer(TestServer(), { excludeTestServices: true })("fuzzing the endpoint", (it) => {
  it.effect(
    "whatever arrives: 200, 400 or 401 — never a 5xx — and every answered request is stored",
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
        const samples = fc.sample(request, { numRuns: 200, seed: 20261128 })
        const statuses: Array<number> = []
        for (const sample of samples) {
          const headers: Record<string, string> = { ...sample.extra }
          if (sample.signature !== undefined) headers["x-hub-signature-256"] = sample.signature
          const response = yield* client
            .execute(
              HttpClientRequest.post(`/api/tenants/${tenant.slug}/eventhook/in/${sample.source}`).pipe(
                HttpClientRequest.setHeaders(headers),
                HttpClientRequest.bodyUint8Array(sample.body, sample.contentType)
              )
            )
            .pipe(Effect.orDie)
          const json = (yield* response.json.pipe(Effect.orDie)) as { error?: string }
          statuses.push(response.status)
          assert.include([200, 400, 401], response.status, JSON.stringify({ sample, json }))
        }
        const stored = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(stored.length, samples.length)
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
          samples.map((sample) => sample.body)
        )
      }),
    120_000
  )
})
