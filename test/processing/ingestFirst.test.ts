import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { IngestFirst, ingestComesFirst, mayProcess, smoothedInFlight } from "../../src/processing/ingestFirst.ts"
import { testConfig } from "../support/TestLayers.ts"

describe("ingest first (issue 22): the decisions", () => {
  it("ingest comes first while requests queue: as many in flight as the threshold, smoothed", () => {
    assert.isTrue(ingestComesFirst(32, 32))
    assert.isTrue(ingestComesFirst(60, 32))
    assert.isFalse(ingestComesFirst(31.9, 32))
    // One crowded sample after a quiet time is not an overload; a few in a row are.
    let smoothed = 0
    smoothed = smoothedInFlight(smoothed, 64, 0.4)
    assert.isFalse(ingestComesFirst(smoothed, 32))
    smoothed = smoothedInFlight(smoothed, 64, 0.4)
    assert.isTrue(ingestComesFirst(smoothed, 32))
    // And it ends a few samples after the queue is gone.
    smoothed = smoothedInFlight(smoothedInFlight(smoothed, 0, 0.4), 0, 0.4)
    assert.isFalse(ingestComesFirst(smoothed, 32))
  })

  it("an event is processed when ingest does not come first, when the floor has a token, or at the lag bound", () => {
    assert.isTrue(mayProcess({ ingestFirst: false, tokens: 0 }, 0, 10_000))
    assert.isTrue(mayProcess({ ingestFirst: true, tokens: 1 }, 0, 10_000))
    assert.isFalse(mayProcess({ ingestFirst: true, tokens: 0.5 }, 9_999, 10_000))
    assert.isTrue(mayProcess({ ingestFirst: true, tokens: 0 }, 10_000, 10_000))
  })
})

describe("ingest first (issue 22): EVENTHOOK_INGEST_FIRST_QUEUED_AT", () => {
  // Two requests in flight; then 30 events ask to be processed at once. When ingest comes first only the floor's
  // tokens (100/s: 10 per 100-ms sample) are admitted at once; otherwise all are.
  const admittedAtOnce = (queuedAt: number | undefined) =>
    Effect.scoped(
      Effect.gen(function* () {
        const config = testConfig(queuedAt === undefined ? {} : { ingestFirstQueuedAt: queuedAt })
        const first = Context.get(
          yield* Layer.build(IngestFirst.layer.pipe(Layer.provide(AppConfig.layerWith(config)))),
          IngestFirst
        )
        first.requestStarted()
        first.requestStarted()
        yield* Effect.sleep("350 millis")
        let admitted = 0
        const receivedAt = new Date()
        for (let i = 0; i < 30; i++)
          yield* Effect.forkScoped(
            Effect.andThen(
              first.admit(receivedAt),
              Effect.sync(() => admitted++)
            )
          )
        yield* Effect.sleep("30 millis")
        return admitted
      })
    )

  it.live("two requests in flight are a queue at 1, and not at the default (24)", () =>
    Effect.gen(function* () {
      assert.isBelow(yield* admittedAtOnce(1), 30)
      assert.strictEqual(yield* admittedAtOnce(undefined), 30)
      assert.strictEqual(yield* admittedAtOnce(3), 30)
    })
  )
})
