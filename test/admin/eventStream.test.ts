import { assert, describe, layer } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { postWebhook } from "../support/http.ts"
import { eventsArrived, openStream } from "../support/sse.ts"
import { createSource, freshTenant, TestServer } from "../support/TestLayers.ts"

// Issue 17 (CONTRACT §8): the event stream, over a real HTTP connection.

const TOKEN = "admin-token-event-stream"
const auth = { authorization: `Bearer ${TOKEN}` }

const setUp = Effect.gen(function* () {
  const tenant = yield* freshTenant
  for (const slug of ["hooks", "other"])
    yield* createSource(tenant.id, { slug, verifier_config: { type: "none" }, idempotency_key_paths: [] })
  const send = (body: string, source = "hooks", headers: Record<string, string> = {}) =>
    postWebhook<{ event_id: string }>(`/api/tenants/${tenant.slug}/eventhook/in/${source}`, body, headers).pipe(
      Effect.map((answer) => answer.json.event_id)
    )
  return { tenant, send, path: `/api/tenants/${tenant.slug}/eventhook/events/stream` }
})

const dataOf = (event: { readonly data: string }) =>
  JSON.parse(event.data) as {
    id: string
    source: string
    event_type: string
    body_base64: string
    headers: Record<string, string>
  }

describe("event stream", () => {
  layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
    "GET …/events/stream",
    (it) => {
      it.effect(
        "streams a source's events as they are stored, with their exact bytes and headers, its id as the SSE id",
        () =>
          Effect.gen(function* () {
            const { send, path } = yield* setUp
            const stream = yield* openStream(`${path}?source=hooks`, auth)
            assert.strictEqual(stream.status, 200)
            assert.include(stream.contentType, "text/event-stream")
            const bodies = [`{"type":"a.b","n":1}`, `{"type":"c.d", "n":2}`, `{"type":"a.b","n":3}`]
            const ids: Array<string> = []
            for (const body of bodies) {
              ids.push(yield* send(body, "hooks", { "x-custom": "kept" }))
              yield* send(`{"other":true}`, "other")
            }
            const events = yield* eventsArrived(stream, 3)
            yield* Effect.sleep("600 millis")
            assert.deepStrictEqual(
              stream.events.map((event) => event.id),
              ids,
              "each once, in order, only this source"
            )
            assert.deepStrictEqual(
              events.map((event) => event.event),
              ["event", "event", "event"]
            )
            assert.deepStrictEqual(
              stream.events.map((event) => Buffer.from(dataOf(event).body_base64, "base64").toString("utf8")),
              bodies
            )
            assert.strictEqual(dataOf(events[0]!).headers["x-custom"], "kept")
            assert.strictEqual(dataOf(events[0]!).source, "hooks")
          })
      )

      it.effect(
        "replay sends the last N first; event_types filters; Last-Event-ID resumes after the event, missing nothing",
        () =>
          Effect.gen(function* () {
            const { send, path } = yield* setUp
            const stored: Array<string> = []
            for (let n = 0; n < 5; n++) stored.push(yield* send(`{"type":"t${n % 2}","n":${n}}`))
            const replayed = yield* openStream(`${path}?replay=3`, auth)
            yield* eventsArrived(replayed, 3)
            assert.deepStrictEqual(
              replayed.events.map((event) => event.id),
              stored.slice(2)
            )

            const filtered = yield* openStream(`${path}?replay=5&event_types=t1`, auth)
            yield* eventsArrived(filtered, 2)
            assert.deepStrictEqual(
              filtered.events.map((event) => dataOf(event).event_type),
              ["t1", "t1"]
            )

            // Resume after the second event, then more arrive: everything after it comes, each id at least once.
            const later = [yield* send(`{"type":"t0","n":5}`), yield* send(`{"type":"t1","n":6}`)]
            const resumed = yield* openStream(path, { ...auth, "last-event-id": stored[1]! })
            const expected = [...stored.slice(2), ...later]
            yield* eventsArrived(resumed, expected.length)
            const seen = new Set(resumed.events.map((event) => event.id))
            for (const id of expected) assert.isTrue(seen.has(id), id)
            assert.isFalse(seen.has(stored[0]!))
            assert.isFalse(seen.has(stored[1]!))
          })
      )

      it.effect("is admin only, and a source that does not exist is 404", () =>
        Effect.gen(function* () {
          const { path } = yield* setUp
          const unauthorized = yield* openStream(path, {})
          assert.strictEqual(unauthorized.status, 401)
          const missing = yield* openStream(`${path}?source=nope`, auth)
          assert.strictEqual(missing.status, 404)
          const badReplay = yield* openStream(`${path}?replay=5000`, auth)
          assert.strictEqual(badReplay.status, 400)
        })
      )
    }
  )
})
