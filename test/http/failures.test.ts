import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { inject } from "vitest"
import { IN_FLIGHT_BODY_BYTES } from "../../src/http/IngestEndpoint.ts"
import { postWebhook } from "../support/http.ts"
import {
  createSource,
  eventsOfTenant,
  freshTenant,
  TestDatabase,
  TestServer,
  UnreachableDatabase
} from "../support/TestLayers.ts"

const post = (path: string, body: string) => postWebhook(path, body)

/** Every case on both ways to the endpoint: the standalone Node service's listener and the router's route. */
const INGEST_WAYS = ["node listener", "router"] as const

for (const way of INGEST_WAYS)
  layer(TestServer({ maxBodyBytes: 64 }, TestDatabase, way), { excludeTestServices: true })(
    `body limit (${way})`,
    (it) => {
      it.effect("a body over EVENTHOOK_MAX_BODY_BYTES is 413 and nothing is stored; at the limit it is accepted", () =>
        Effect.gen(function* () {
          const tenant = yield* freshTenant
          yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
          const path = `/api/tenants/${tenant.slug}/eventhook/in/open`
          const atLimit = `{"pad":"${"x".repeat(64 - 10)}"}`
          assert.strictEqual(new TextEncoder().encode(atLimit).length, 64)
          const tooLarge = yield* post(path, `${atLimit} `)
          assert.strictEqual(tooLarge.status, 413)
          assert.deepStrictEqual(tooLarge.json, {
            error: "payload_too_large",
            message: "the body is larger than 64 bytes"
          })
          assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
          assert.strictEqual((yield* post(path, atLimit)).status, 200)
          assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 1)

          // Without Content-Length (chunked), the body is cut off as it passes the limit.
          const client = yield* HttpClient.HttpClient
          const chunks = [atLimit.slice(0, 40), atLimit.slice(40), " and more"].map((chunk) =>
            new TextEncoder().encode(chunk)
          )
          const chunked = yield* client
            .execute(
              HttpClientRequest.post(path).pipe(
                HttpClientRequest.bodyStream(Stream.fromIterable(chunks), { contentType: "application/json" })
              )
            )
            .pipe(Effect.orDie)
          assert.strictEqual(chunked.status, 413)
          assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 1)
        })
      )
    }
  )

for (const way of INGEST_WAYS)
  layer(TestServer({}, UnreachableDatabase, way), { excludeTestServices: true })(
    `database unreachable (${way})`,
    (it) => {
      it.effect("ingest answers 503 unavailable with Retry-After, never a 4xx, and /health says 503", () =>
        Effect.gen(function* () {
          const ingest = yield* post("/api/tenants/acme/eventhook/in/github", "{}")
          assert.strictEqual(ingest.status, 503)
          assert.deepStrictEqual(ingest.json, {
            error: "unavailable",
            message: "the database is unavailable, retry later"
          })
          assert.strictEqual(ingest.headers["retry-after"], "5")
          const client = yield* HttpClient.HttpClient
          const health = yield* client.get("/health").pipe(Effect.orDie)
          assert.strictEqual(health.status, 503)
          assert.strictEqual(health.headers["retry-after"], "5")
        })
      )
    }
  )

for (const way of INGEST_WAYS)
  layer(TestServer({}, TestDatabase, way), { excludeTestServices: true })(`rate limit (${way})`, (it) => {
    it.effect(
      "a source's empty bucket answers 429 with Retry-After and stores nothing; other sources are unaffected",
      () =>
        Effect.gen(function* () {
          const tenant = yield* freshTenant
          yield* createSource(tenant.id, {
            slug: "limited",
            verifier_config: { type: "none" },
            rate_limit_per_second: 0.5,
            rate_limit_burst: 3
          })
          yield* createSource(tenant.id, { slug: "other", verifier_config: { type: "none" } })
          const answers = []
          for (let i = 0; i < 5; i++)
            answers.push(yield* post(`/api/tenants/${tenant.slug}/eventhook/in/limited`, `{"n":${i}}`))
          assert.deepStrictEqual(
            answers.map((answer) => answer.status),
            [200, 200, 200, 429, 429]
          )
          assert.strictEqual(answers[3]?.headers["retry-after"], "2")
          assert.deepStrictEqual(answers[3]?.json, {
            error: "rate_limited",
            message: "too many requests for this source; retry in 2s"
          })
          assert.strictEqual((yield* post(`/api/tenants/${tenant.slug}/eventhook/in/other`, "{}")).status, 200)
          assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 4)
        })
    )
  })

// Two connections: one is held by the config-change listener (ConfigCache), the other by the test.
const TwoConnections = Layer.unwrap(
  Effect.sync(() => PgClient.layer({ url: Redacted.make(inject("databaseUrl")), maxConnections: 2 }))
)

for (const way of INGEST_WAYS)
  layer(TestServer({}, TwoConnections, way), { excludeTestServices: true })(`pool exhausted (${way})`, (it) => {
    it.effect("when no connection comes within the bound, ingest answers 503 instead of hanging, then recovers", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const sql = yield* PgClient.PgClient
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(sql.withTransaction(Deferred.await(release)))
        yield* Effect.sleep("100 millis")
        const started = Date.now()
        const busy = yield* post(`/api/tenants/${tenant.slug}/eventhook/in/open`, "{}")
        assert.strictEqual(busy.status, 503)
        assert.strictEqual(busy.headers["retry-after"], "5")
        assert.isBelow(Date.now() - started, 10_000)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder).pipe(Effect.orDie)
        assert.strictEqual((yield* post(`/api/tenants/${tenant.slug}/eventhook/in/open`, "{}")).status, 200)
        assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 1)
      })
    )
  })

for (const way of INGEST_WAYS)
  layer(TestServer({ maxBodyBytes: IN_FLIGHT_BODY_BYTES }, TestDatabase, way), { excludeTestServices: true })(
    `bodies in memory (${way})`,
    (it) => {
      it.effect(
        "request bodies held at once are bounded: a request waits while the budget is taken, then goes on",
        () =>
          Effect.gen(function* () {
            const tenant = yield* freshTenant
            yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
            const path = `/api/tenants/${tenant.slug}/eventhook/in/open`
            const client = yield* HttpClient.HttpClient
            // A chunked body declares no length, so it reserves the whole limit — here, the whole budget.
            const finish = yield* Deferred.make<void>()
            const slowBody = Stream.concat(
              Stream.make(new TextEncoder().encode('{"slow":')),
              Stream.fromEffect(Effect.as(Deferred.await(finish), new TextEncoder().encode("true}")))
            )
            const slow = yield* client
              .execute(
                HttpClientRequest.post(path).pipe(
                  HttpClientRequest.bodyStream(slowBody, { contentType: "application/json" })
                )
              )
              .pipe(Effect.orDie, Effect.forkChild)
            yield* Effect.sleep("200 millis")
            const quick = yield* Effect.forkChild(post(path, '{"quick":true}'))
            yield* Effect.sleep("300 millis")
            assert.isUndefined(quick.pollUnsafe(), "the small request should wait while the budget is held")
            yield* Deferred.succeed(finish, undefined)
            assert.strictEqual((yield* Fiber.join(slow)).status, 200)
            assert.strictEqual((yield* Fiber.join(quick)).status, 200)
            assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 2)
          })
      )
    }
  )
