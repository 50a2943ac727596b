import { assert, describe, it } from "@effect/vitest"
import { ingestComesFirst, mayProcess } from "../../src/processing/ingestFirst.ts"

describe("ingest first (issue 22): the decisions", () => {
  it("ingest comes first only when the loop was saturated while requests arrived", () => {
    assert.isTrue(ingestComesFirst({ utilization: 0.95, requests: 10 }, 0.9))
    assert.isTrue(ingestComesFirst({ utilization: 0.9, requests: 1 }, 0.9))
    assert.isFalse(ingestComesFirst({ utilization: 0.89, requests: 1000 }, 0.9))
    // Processing alone saturating the loop (a backlog draining, no requests) is what it should do.
    assert.isFalse(ingestComesFirst({ utilization: 1, requests: 0 }, 0.9))
  })

  it("an event is processed when ingest does not come first, when the floor has a token, or at the lag bound", () => {
    assert.isTrue(mayProcess({ ingestFirst: false, tokens: 0 }, 0, 10_000))
    assert.isTrue(mayProcess({ ingestFirst: true, tokens: 1 }, 0, 10_000))
    assert.isFalse(mayProcess({ ingestFirst: true, tokens: 0.5 }, 9_999, 10_000))
    assert.isTrue(mayProcess({ ingestFirst: true, tokens: 0 }, 10_000, 10_000))
  })
})
