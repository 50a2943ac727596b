import { assert, describe, it } from "@effect/vitest"
import { type Bucket, takeToken } from "../../src/ingest/tokenBucket.ts"

describe("takeToken", () => {
  const limits = { ratePerSecond: 2, burst: 3 }
  it("a new bucket allows a burst, then refuses with the seconds until the next token", () => {
    let bucket: Bucket | undefined
    const answers = []
    for (let i = 0; i < 4; i++) {
      const taken = takeToken(bucket, 1000, limits)
      bucket = taken.bucket
      answers.push(taken.allowed ? "ok" : `wait ${taken.retryAfterSeconds}`)
    }
    assert.deepStrictEqual(answers, ["ok", "ok", "ok", "wait 1"])
  })
  it("refills at the rate, never above the burst", () => {
    const empty: Bucket = { tokens: 0, updatedAtMs: 0 }
    assert.isFalse(takeToken(empty, 400, limits).allowed)
    const half = takeToken(empty, 500, limits)
    assert.isTrue(half.allowed)
    assert.strictEqual(half.bucket.tokens, 0)
    assert.strictEqual(takeToken(empty, 60_000, limits).bucket.tokens, 2)
  })
  it("a slow rate asks for a longer wait", () => {
    const taken = takeToken({ tokens: 0, updatedAtMs: 0 }, 0, { ratePerSecond: 0.1, burst: 1 })
    assert.isTrue(!taken.allowed && taken.retryAfterSeconds === 10)
  })
})
