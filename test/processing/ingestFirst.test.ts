import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { IngestFirst, ingestComesFirst, mayProcess, smoothedInFlight } from "../../src/processing/ingestFirst.ts"
import { testConfig } from "../support/TestLayers.ts"

describe("ingest first (issue 22): the decisions", () => {
  const thresholds = { queuedAt: 32, releaseRatio: 0.5 }

  it("ingest comes first while requests queue: as many in flight as the threshold, smoothed", () => {
    assert.isTrue(ingestComesFirst(32, thresholds, false))
    assert.isTrue(ingestComesFirst(60, thresholds, false))
    assert.isFalse(ingestComesFirst(31.9, thresholds, false))
    // One crowded sample after a quiet time is not an overload; a few in a row are.
    let smoothed = 0
    smoothed = smoothedInFlight(smoothed, 64, 0.4)
    assert.isFalse(ingestComesFirst(smoothed, thresholds, false))
    smoothed = smoothedInFlight(smoothed, 64, 0.4)
    assert.isTrue(ingestComesFirst(smoothed, thresholds, false))
    // And it ends a few samples after the queue is gone.
    smoothed = smoothedInFlight(smoothedInFlight(smoothed, 0, 0.4), 0, 0.4)
    assert.isFalse(ingestComesFirst(smoothed, thresholds, true))
  })

  // Senders that keep ~36 requests in flight while processing runs, and ~22 while it is held back (acked faster):
  // whether ingest comes first at each switch, over 40 samples.
  const switchesOf = (releaseRatio: number) => {
    let smoothed = 0
    let comesFirst = false
    const switches: Array<boolean> = []
    for (let sample = 0; sample < 40; sample++) {
      smoothed = smoothedInFlight(smoothed, comesFirst ? 22 : 36, 0.4)
      const next = ingestComesFirst(smoothed, { queuedAt: 32, releaseRatio }, comesFirst)
      if (next !== comesFirst) switches.push(next)
      comesFirst = next
    }
    return switches
  }

  it("once on, it stays on until fewer than half the threshold are in flight: senders near it do not switch it", () => {
    assert.deepStrictEqual(switchesOf(thresholds.releaseRatio), [true])
    // Without the band (release at the threshold itself) the same senders switch it on and off over and over.
    assert.isAbove(switchesOf(1).length, 5)
    // Below half the threshold it ends.
    assert.isTrue(ingestComesFirst(16, thresholds, true))
    assert.isFalse(ingestComesFirst(15.9, thresholds, true))
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
