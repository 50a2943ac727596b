import { assert, describe, it } from "@effect/vitest"
import Stripe from "stripe"
import { inspectRequest } from "../../src/ingest/inspectRequest.ts"
import { hex, webCryptoHmac } from "../support/webCryptoSign.ts"

// The one pipeline step (verify → parse → handshake) that live ingest, the source tester and re-verification share.

const secret = "whsec_inspect"
const signedAt = 1_600_000_000
const stripe = new Stripe("sk_test_x")
const stripeSource = {
  verifier_type: "stripe",
  verifier_config: { type: "stripe", secret },
  event_type_config: null,
  idempotency_key_paths: null
}
const signed = (payload: string, contentType = "application/json") => ({
  body: new TextEncoder().encode(payload),
  headers: {
    "content-type": contentType,
    "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: signedAt })
  }
})

describe("inspectRequest", () => {
  it("a verified JSON body is accepted with its event type, dedupe key and the secret that verified", () => {
    const inspection = inspectRequest(stripeSource, signed('{"id":"evt_1","type":"charge.succeeded"}'), signedAt + 10)
    assert.deepStrictEqual(inspection, {
      _tag: "Accepted",
      secretIndex: 0,
      interpreted: {
        parsed_payload: { id: "evt_1", type: "charge.succeeded" },
        event_type: "charge.succeeded",
        idempotency_key: "evt_1",
        parsed_is_body: true
      },
      handshake: null
    })
  })

  it("judges a timestamped signature as of the time given (a stored event's received_at)", () => {
    const stale = inspectRequest(stripeSource, signed('{"id":"evt_1"}'), signedAt + 301)
    assert.isTrue(stale._tag === "Rejected" && stale.failure.reason === "timestamp_out_of_range")
  })

  it("verified but not parseable is Invalid with the reason, and keeps the secret index", () => {
    const inspection = inspectRequest(stripeSource, signed("{not json"), signedAt)
    assert.strictEqual(inspection._tag, "Invalid")
    assert.isTrue(inspection._tag === "Invalid" && inspection.reason.startsWith("body is not valid JSON"))
  })

  it("a config that does not decode rejects (never fail open)", () => {
    const broken = { ...stripeSource, verifier_config: { type: "stripe" } }
    const inspection = inspectRequest(broken, signed('{"id":"evt_1"}'), signedAt)
    assert.isTrue(inspection._tag === "Rejected" && inspection.failure.reason === "invalid_config")
  })

  it("a verified Slack url_verification is a handshake to answer", async () => {
    const payload = '{"type":"url_verification","challenge":"abc"}'
    const slackSecret = "slack-signing-secret"
    const signature = `v0=${hex(await webCryptoHmac("SHA-256", slackSecret, `v0:${signedAt}:${payload}`))}`
    const inspection = inspectRequest(
      { ...stripeSource, verifier_type: "slack", verifier_config: { type: "slack", secret: slackSecret } },
      {
        body: new TextEncoder().encode(payload),
        headers: {
          "content-type": "application/json",
          "x-slack-signature": signature,
          "x-slack-request-timestamp": String(signedAt)
        }
      },
      signedAt
    )
    assert.isTrue(inspection._tag === "Accepted" && inspection.handshake !== null)
    assert.deepStrictEqual(inspection._tag === "Accepted" ? inspection.handshake : null, { challenge: "abc" })
  })
})
