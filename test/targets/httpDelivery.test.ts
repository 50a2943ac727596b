import { assert, describe, it } from "@effect/vitest"
import { Webhook } from "standardwebhooks"
import {
  type DeliveryResult,
  deliveryOutcome,
  deliveryRequestOf,
  retryAfterSeconds
} from "../../src/targets/httpDelivery.ts"

// Issue 17: what an http target sends and what each answer means (pure).

const answered = (
  status: number,
  extra: Partial<Extract<DeliveryResult, { _tag: "Answered" }>> = {}
): DeliveryResult => ({
  _tag: "Answered",
  status,
  location: null,
  retryAfter: null,
  bodyStart: "",
  ms: 12,
  ...extra
})
const NOW = Date.parse("2026-12-05T12:00:00Z")

describe("deliveryOutcome", () => {
  it("2xx succeeds; 408, 409, 425, 429 and 5xx are retryable; other 4xx and 3xx are final", () => {
    for (const status of [200, 201, 202, 204, 299])
      assert.strictEqual(deliveryOutcome(answered(status), NOW).status, "success")
    for (const status of [408, 409, 425, 429, 500, 502, 503, 504, 599]) {
      const outcome = deliveryOutcome(answered(status), NOW)
      assert.strictEqual(outcome.status, "failed", String(status))
      assert.isTrue(outcome.retryable, String(status))
    }
    for (const status of [301, 302, 307, 400, 401, 403, 404, 410, 413, 422]) {
      const outcome = deliveryOutcome(answered(status), NOW)
      assert.strictEqual(outcome.status, "failed", String(status))
      assert.isFalse(outcome.retryable, String(status))
    }
  })

  it("a redirect names its Location; the answer's status, time and first bytes are kept", () => {
    const outcome = deliveryOutcome(answered(308, { location: "https://new.example/hook", bodyStart: "moved" }), NOW)
    assert.include(outcome.error_message, "https://new.example/hook")
    assert.deepStrictEqual([outcome.response_status, outcome.response_ms, outcome.response_body], [308, 12, "moved"])
  })

  it("Retry-After: seconds or an HTTP date, only on retryable answers", () => {
    assert.strictEqual(deliveryOutcome(answered(429, { retryAfter: "30" }), NOW).retry_after_seconds, 30)
    assert.strictEqual(
      deliveryOutcome(answered(503, { retryAfter: "Sat, 05 Dec 2026 12:02:00 GMT" }), NOW).retry_after_seconds,
      120
    )
    assert.isNull(deliveryOutcome(answered(400, { retryAfter: "30" }), NOW).retry_after_seconds)
    assert.isNull(retryAfterSeconds("soon", NOW))
    assert.strictEqual(retryAfterSeconds("Sat, 05 Dec 2026 11:00:00 GMT", NOW), 0)
  })

  it("no answer keeps its reason and retryability", () => {
    const outcome = deliveryOutcome({ _tag: "NoAnswer", reason: "ECONNREFUSED", retryable: true, ms: 3 }, NOW)
    assert.deepStrictEqual(
      [outcome.status, outcome.error_message, outcome.retryable, outcome.response_status],
      ["failed", "ECONNREFUSED", true, null]
    )
  })
})

describe("deliveryRequestOf", () => {
  const event = {
    eventId: "e1",
    routeId: "r1",
    contentType: "application/x-www-form-urlencoded",
    rawPayload: new TextEncoder().encode("a=1&b=2"),
    parsedPayload: { a: "1", b: "2" },
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "Provider/1",
      "x-hub-signature-256": "sha256=abc",
      "x-gitlab-token": "[redacted]",
      authorization: "Bearer secret",
      cookie: "c=1",
      "x-custom": "kept only when asked"
    }
  }

  it("by default forwards the content type, user agent and provider headers, never a credential, a cookie or authorization", () => {
    const request = deliveryRequestOf({ url: "https://h.example/" }, event, 1_700_000_000)
    assert.deepStrictEqual(request.headers, {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "Provider/1",
      "x-hub-signature-256": "sha256=abc"
    })
    assert.strictEqual(new TextDecoder().decode(request.body), "a=1&b=2")
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.timeoutMs, 10_000)
  })

  it("forward_headers chooses, static headers override, `parsed` sends JSON, and the signature verifies with each secret", () => {
    const first = `whsec_${Buffer.from("first-secret-of-32-bytes-length!").toString("base64")}`
    const second = `whsec_${Buffer.from("second-secret-of-32-bytes-length").toString("base64")}`
    const request = deliveryRequestOf(
      {
        url: "https://h.example/",
        method: "PATCH",
        body: "parsed",
        forward_headers: ["X-Custom", "x-gitlab-token", "authorization"],
        headers: { "X-Api-Key": "k", "x-custom": "overridden" },
        signing: { type: "standard_webhooks", secret: first, secrets: [second] }
      },
      event,
      Math.floor(Date.now() / 1000)
    )
    assert.strictEqual(request.method, "PATCH")
    assert.strictEqual(request.headers["x-custom"], "overridden")
    assert.strictEqual(request.headers["x-api-key"], "k")
    assert.isUndefined(request.headers["x-gitlab-token"])
    assert.isUndefined(request.headers.authorization)
    assert.strictEqual(request.headers["content-type"], "application/json")
    assert.strictEqual(new TextDecoder().decode(request.body), `{"a":"1","b":"2"}`)
    assert.strictEqual(request.headers["webhook-id"], "msg_e1_r1")
    for (const secret of [first, second]) new Webhook(secret).verify(Buffer.from(request.body), request.headers)
  })
})
