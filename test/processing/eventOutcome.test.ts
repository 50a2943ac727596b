import { assert, describe, it } from "@effect/vitest"
import { eventOutcome } from "../../src/processing/eventOutcome.ts"

describe("eventOutcome", () => {
  const retry = { baseSeconds: 10, retriesDone: 0, maxRetries: 3 }
  const cases: Array<[string, Parameters<typeof eventOutcome>[0], Parameters<typeof eventOutcome>[1], unknown]> = [
    ["no failure: delivered", [], retry, { status: "delivered" }],
    [
      "a retryable failure: failed, retried after the first backoff",
      [{ routeId: "r1", error: "timeout", retryable: true }],
      retry,
      { status: "failed", lastError: "route r1: timeout", retryInSeconds: 10 }
    ],
    [
      "only a broken config: failed, not retried",
      [{ routeId: "r1", error: "bad config", retryable: false }],
      retry,
      { status: "failed", lastError: "route r1: bad config", retryInSeconds: null }
    ],
    [
      "one retryable among several: every route named, retried",
      [
        { routeId: "r1", error: "bad config", retryable: false },
        { routeId: "r2", error: "503", retryable: true }
      ],
      { baseSeconds: 10, retriesDone: 2, maxRetries: 3 },
      { status: "failed", lastError: "route r1: bad config; route r2: 503", retryInSeconds: 90 }
    ],
    [
      "retries used up: failed for good",
      [{ routeId: "r1", error: "503", retryable: true }],
      { baseSeconds: 10, retriesDone: 3, maxRetries: 3 },
      { status: "failed", lastError: "route r1: 503", retryInSeconds: null }
    ],
    [
      "a Retry-After longer than the backoff: retried when asked",
      [{ routeId: "r1", error: "429", retryable: true, retryAfterSeconds: 120 }],
      retry,
      { status: "failed", lastError: "route r1: 429", retryInSeconds: 120 }
    ],
    [
      "a Retry-After shorter than the backoff: the backoff holds",
      [{ routeId: "r1", error: "503", retryable: true, retryAfterSeconds: 2 }],
      retry,
      { status: "failed", lastError: "route r1: 503", retryInSeconds: 10 }
    ],
    [
      "a Retry-After beyond the cap: the cap (an hour)",
      [{ routeId: "r1", error: "503", retryable: true, retryAfterSeconds: 86_400 }],
      retry,
      { status: "failed", lastError: "route r1: 503", retryInSeconds: 3600 }
    ],
    [
      "a Retry-After with retries used up: failed for good",
      [{ routeId: "r1", error: "503", retryable: true, retryAfterSeconds: 5 }],
      { baseSeconds: 10, retriesDone: 3, maxRetries: 3 },
      { status: "failed", lastError: "route r1: 503", retryInSeconds: null }
    ]
  ]
  for (const [name, failed, attempt, expected] of cases)
    it(name, () => {
      assert.deepStrictEqual(eventOutcome(failed, attempt), expected)
    })
})
