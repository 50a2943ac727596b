import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { HttpClient } from "effect/http"
import { postWebhook } from "../support/http.ts"
import { createSource, eventsOfTenant, freshTenant, TestServer } from "../support/TestLayers.ts"

const MIB = 1_048_576

/** The longest wait of `/health`, polled back to back while `work` runs (issue 15: one body froze everything). */
const slowestHealthDuring = <A, E, R>(work: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const running = yield* Effect.forkChild(work)
    let slowest = 0
    let polls = 0
    while (running.pollUnsafe() === undefined) {
      const started = performance.now()
      assert.strictEqual((yield* client.get("/health").pipe(Effect.orDie)).status, 200)
      slowest = Math.max(slowest, performance.now() - started)
      polls++
    }
    return { result: yield* Fiber.join(running), slowest, polls }
  })

layer(TestServer({ rateLimitBurst: 100 }), { excludeTestServices: true })("hostile bodies", (it) => {
  it.effect("a 1 MiB form of one repeated key is parsed in linear time: /health keeps answering meanwhile", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      const repeats = MIB / 4 // "a=1&"
      const body = "a=1&".repeat(repeats).slice(0, -1)
      const { result, slowest, polls } = yield* slowestHealthDuring(
        postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/open`, body, {
          "content-type": "application/x-www-form-urlencoded"
        })
      )
      assert.strictEqual(result.status, 200)
      assert.isAbove(polls, 0)
      // Generous: the parse takes tens of milliseconds; the quadratic merge it replaces took hours at this size.
      assert.isBelow(slowest, 3000)
      const [event] = yield* eventsOfTenant(tenant.id)
      const parsed = event?.parsed_payload as { a: Array<string> }
      assert.strictEqual(parsed.a.length, repeats)
    })
  )

  it.effect("multipart with one name repeated across 1 MiB of parts is parsed in linear time", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      const part = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
      const repeats = Math.floor((MIB - 10) / part.length)
      const { result, slowest } = yield* slowestHealthDuring(
        postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/open`, `${part.repeat(repeats)}--b--`, {
          "content-type": "multipart/form-data; boundary=b"
        })
      )
      assert.strictEqual(result.status, 200)
      assert.isBelow(slowest, 3000)
      const [event] = yield* eventsOfTenant(tenant.id)
      const parsed = event?.parsed_payload as { a: Array<string> }
      assert.strictEqual(parsed.a.length, repeats)
    })
  )

  it.effect("malformed multipart is 400 invalid_payload, stored as failed with its bytes, never a 500", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      // Found by fuzzing: the parser threw a TypeError on this part, which has no headers before its body.
      const body = "--x;\r\n--xfilename*=utf-8''%ZZ--Content-Disposition: form-data; name=a"
      const answer = yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/open`, body, {
        "content-type": "multipart/form-data; boundary=x; charset=utf-16"
      })
      assert.strictEqual(answer.status, 400)
      assert.deepStrictEqual(answer.json, {
        error: "invalid_payload",
        message: "body is not valid multipart/form-data: malformed part"
      })
      const [event] = yield* eventsOfTenant(tenant.id)
      assert.strictEqual(event?.status, "failed")
      assert.strictEqual(new TextDecoder().decode(event?.raw_payload), body)
    })
  )
})
