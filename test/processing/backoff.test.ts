import { assert, describe, it } from "@effect/vitest"
import { nextRetryDelaySeconds, retryDelaySeconds } from "../../src/processing/backoff.ts"

describe("retry backoff (CONTRACT §2: base × 3^(n-1), capped at 3600 s)", () => {
  const table: Array<[number, number, number]> = [
    [10, 1, 10],
    [10, 2, 30],
    [10, 3, 90],
    [10, 4, 270],
    [10, 5, 810],
    [10, 6, 2430],
    [10, 7, 3600],
    [10, 20, 3600],
    [1, 1, 1],
    [0.5, 3, 4.5]
  ]
  for (const [base, retry, expected] of table) {
    it(`base ${base}s, retry ${retry} → ${expected}s`, () =>
      assert.strictEqual(retryDelaySeconds(base, retry), expected))
  }
  it("no retry is scheduled once max_retries retries have been made", () => {
    assert.strictEqual(nextRetryDelaySeconds({ baseSeconds: 10, retriesDone: 0, maxRetries: 3 }), 10)
    assert.strictEqual(nextRetryDelaySeconds({ baseSeconds: 10, retriesDone: 2, maxRetries: 3 }), 90)
    assert.isNull(nextRetryDelaySeconds({ baseSeconds: 10, retriesDone: 3, maxRetries: 3 }))
    assert.isNull(nextRetryDelaySeconds({ baseSeconds: 10, retriesDone: 0, maxRetries: 0 }))
  })
})
