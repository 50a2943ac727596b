import { assert, describe, it } from "@effect/vitest"
import { ingestComesFirst, mayProcess, smoothedInFlight } from "../../src/processing/ingestFirst.ts"

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
