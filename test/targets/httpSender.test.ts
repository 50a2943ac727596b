import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { defaultHttpSenderOptions, HttpSender } from "../../src/targets/HttpSender.ts"
import type { DeliveryRequest, DeliveryResult } from "../../src/targets/httpDelivery.ts"
import { receiver } from "../support/receiver.ts"
import { testConfig } from "../support/TestLayers.ts"

// Issue 17: the sender's circuit and bounds, against a real server on loopback.

const Sender = HttpSender.layerWith({
  ...defaultHttpSenderOptions,
  maxPerDestination: 4,
  slotWaitMs: 100,
  circuit: { threshold: 3, cooldownMs: 400 }
}).pipe(Layer.provide(Layer.sync(AppConfig, () => testConfig())))

const requestTo = (url: string, timeoutMs = 2000): DeliveryRequest => ({
  method: "POST",
  url,
  headers: { "content-type": "application/json" },
  body: new TextEncoder().encode("{}"),
  timeoutMs
})
const reasonOf = (result: DeliveryResult) => (result._tag === "NoAnswer" ? result.reason : `status ${result.status}`)

describe("HttpSender", () => {
  it.live(
    "the circuit opens after 3 failures in a row, refuses without a call, probes after the cool-down, and a good probe closes it",
    () =>
      Effect.gen(function* () {
        let healthy = false
        const server = yield* receiver(() => (healthy ? { status: 200 } : { status: 503 }))
        const sender = yield* HttpSender
        for (let i = 0; i < 3; i++)
          assert.strictEqual(reasonOf(yield* sender.send(requestTo(server.url))), "status 503")
        const refused = yield* sender.send(requestTo(server.url))
        assert.include(reasonOf(refused), "circuit is open")
        assert.strictEqual(server.received.length, 3)
        yield* Effect.sleep("450 millis")
        // The probe fails: open again, for another cool-down.
        assert.strictEqual(reasonOf(yield* sender.send(requestTo(server.url))), "status 503")
        assert.include(reasonOf(yield* sender.send(requestTo(server.url))), "circuit is open")
        assert.strictEqual(server.received.length, 4)
        yield* Effect.sleep("450 millis")
        healthy = true
        assert.strictEqual(reasonOf(yield* sender.send(requestTo(server.url))), "status 200")
        assert.strictEqual(reasonOf(yield* sender.send(requestTo(server.url))), "status 200")
        assert.strictEqual(server.received.length, 6)
      }).pipe(Effect.provide(Sender))
  )

  it.live(
    "calls beyond the per-destination bound fail retryably at once instead of waiting; timeouts open the circuit",
    () =>
      Effect.gen(function* () {
        const dead = yield* receiver(() => "hang")
        const sender = yield* HttpSender
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }, () => requestTo(dead.url, 300)),
          (request) => sender.send(request),
          { concurrency: "unbounded" }
        )
        const reasons = results.map(reasonOf)
        assert.strictEqual(reasons.filter((reason) => reason.includes("did not answer within 300 ms")).length, 4)
        assert.strictEqual(reasons.filter((reason) => reason.includes("has 4 calls in flight")).length, 6)
        assert.isTrue(results.every((result) => result._tag === "NoAnswer" && result.retryable))
        assert.strictEqual(dead.received.length, 4)
        assert.include(reasonOf(yield* sender.send(requestTo(dead.url, 300))), "circuit is open")
        assert.strictEqual(dead.received.length, 4)
      }).pipe(Effect.provide(Sender))
  )
})
