import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import Stripe from "stripe"
import { verifyStoredEvent } from "../../src/verify/verifyStoredEvent.ts"

describe("verifyStoredEvent", () => {
  const secret = "whsec_reverify"
  const payload = '{"id":"evt_1","type":"charge.succeeded"}'
  const signedAt = 1_600_000_000
  const header = new Stripe("sk_test_x").webhooks.generateTestHeaderString({ payload, secret, timestamp: signedAt })
  const event = (receivedAt: number) => ({
    raw_payload: new TextEncoder().encode(payload),
    headers: { "stripe-signature": header },
    received_at: new Date(receivedAt * 1000)
  })
  const source = { verifier_type: "stripe", verifier_config: { type: "stripe", secret } }

  it("judges a timestamped signature as of received_at, however long ago that was", () => {
    assert.isTrue(Result.isSuccess(verifyStoredEvent(source, event(signedAt + 10), null)))
  })
  it("a request that was already stale when it arrived stays rejected", () => {
    const result = verifyStoredEvent(source, event(signedAt + 301), null)
    assert.isTrue(Result.isFailure(result) && result.failure.reason === "timestamp_out_of_range")
  })
})
