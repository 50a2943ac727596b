import { assert, describe, it } from "@effect/vitest"
import { LinearWebhookClient } from "@linear/sdk/webhooks"
import { Result } from "effect"
import { Webhook as StandardWebhook } from "standardwebhooks"
import { verifyRequest } from "../../src/verify/registry.ts"
import { type Headers, schemes, T0 } from "../support/providerSchemes.ts"
import { base64, concat } from "../support/webCryptoSign.ts"
import squareVectors from "../vectors/square.json" with { type: "json" }
import standardWebhookVectors from "../vectors/standard_webhooks.json" with { type: "json" }
import stripeVectors from "../vectors/stripe.json" with { type: "json" }
import twilioVectors from "../vectors/twilio.json" with { type: "json" }

const utf8 = (text: string) => new TextEncoder().encode(text)

const verify = (config: Record<string, unknown>, body: string | Uint8Array, headers: Headers, now: number) =>
  verifyRequest(
    { verifier_type: String(config.type), verifier_config: config },
    { body: typeof body === "string" ? utf8(body) : body, headers },
    now
  )
const reasonOf = (result: ReturnType<typeof verifyRequest>) =>
  Result.isFailure(result) ? result.failure.reason : "verified"

for (const scheme of schemes) {
  const field = scheme.secretField ?? "secret"
  const config = (secrets: Record<string, unknown>) => ({ type: scheme.type, ...scheme.extraConfig, ...secrets })
  const single = config({ [field]: scheme.secret })
  const bodyAt = (timestamp: number, text = "héllo ☃ 🚀") =>
    scheme.body?.(timestamp, text) ?? JSON.stringify({ id: "evt_1", type: "thing.happened", text })
  const isCredential = scheme.type === "gitlab"

  describe(`${scheme.type} (${scheme.signatureHeader})`, () => {
    it("a signed multibyte UTF-8 body verifies", async () => {
      const body = bodyAt(T0)
      const result = verify(single, body, await scheme.sign(scheme.secret, body, T0), T0)
      assert.deepStrictEqual(result, Result.succeed({ secretIndex: 0 }))
    })
    if (scheme.body === undefined) {
      it("an empty body verifies", async () => {
        const result = verify(single, "", await scheme.sign(scheme.secret, "", T0), T0)
        assert.isTrue(Result.isSuccess(result))
      })
    }
    if (!isCredential) {
      it("a tampered body fails with signature_mismatch", async () => {
        const body = bodyAt(T0)
        const headers = await scheme.sign(scheme.secret, body, T0)
        assert.strictEqual(reasonOf(verify(single, bodyAt(T0, "hèllo ☃ 🚀"), headers, T0)), "signature_mismatch")
      })
      it("a malformed header fails with malformed_header", () => {
        assert.strictEqual(reasonOf(verify(single, bodyAt(T0), scheme.malformedHeaders, T0)), "malformed_header")
      })
    }
    it("a wrong secret fails", async () => {
      const body = bodyAt(T0)
      const headers = await scheme.sign(scheme.otherSecret ?? `${scheme.secret}-wrong`, body, T0)
      assert.strictEqual(
        reasonOf(verify(single, body, headers, T0)),
        isCredential ? "credentials_mismatch" : "signature_mismatch"
      )
    })
    it("a missing header fails with missing_header", async () => {
      const body = bodyAt(T0)
      const headers = await scheme.sign(scheme.secret, body, T0)
      delete headers[scheme.signatureHeader]
      assert.strictEqual(reasonOf(verify(single, body, headers, T0)), "missing_header")
    })
    it("a rotated secret verifies, and says which one did", async () => {
      const body = bodyAt(T0)
      const rotated = config({ [`${field}s`]: [scheme.otherSecret ?? "previous-secret-no-longer-used", scheme.secret] })
      const result = verify(rotated, body, await scheme.sign(scheme.secret, body, T0), T0)
      assert.deepStrictEqual(result, Result.succeed({ secretIndex: 1 }))
    })
    const tolerance = scheme.tolerance
    if (tolerance !== undefined) {
      it(`a timestamp exactly ${tolerance.seconds}s old passes; one second more fails`, async () => {
        const body = bodyAt(T0)
        const headers = await scheme.sign(scheme.secret, body, T0)
        assert.isTrue(Result.isSuccess(verify(single, body, headers, T0 + tolerance.seconds)))
        assert.strictEqual(
          reasonOf(verify(single, body, headers, T0 + tolerance.seconds + 1)),
          "timestamp_out_of_range"
        )
      })
      it(`a timestamp from the future ${tolerance.future ? "fails past the tolerance" : "is accepted"}`, async () => {
        const body = bodyAt(T0)
        const headers = await scheme.sign(scheme.secret, body, T0)
        assert.isTrue(Result.isSuccess(verify(single, body, headers, T0 - tolerance.seconds)))
        assert.strictEqual(
          reasonOf(verify(single, body, headers, T0 - tolerance.seconds - 1)),
          tolerance.future ? "timestamp_out_of_range" : "verified"
        )
      })
      it("a tolerance_seconds in the config replaces the default", async () => {
        const body = bodyAt(T0)
        const headers = await scheme.sign(scheme.secret, body, T0)
        const strict = { ...single, tolerance_seconds: 1 }
        assert.strictEqual(reasonOf(verify(strict, body, headers, T0 + 2)), "timestamp_out_of_range")
      })
    }
  })
}

describe("committed SDK vectors", () => {
  it("stripe vectors (generateTestHeaderString) verify", () => {
    for (const vector of stripeVectors.vectors) {
      const result = verify(
        { type: "stripe", secret: vector.secret },
        vector.payload,
        { "stripe-signature": vector.header },
        stripeVectors.signedAt
      )
      assert.isTrue(Result.isSuccess(result))
    }
  })
  it("stripe: any v1 may match, v0 is ignored", () => {
    const vector = stripeVectors.vectors[0]!
    const [t, v1] = vector.header.split(",")
    const header = `${t},v0=${"0".repeat(64)},v1=${"1".repeat(64)},${v1}`
    assert.isTrue(
      Result.isSuccess(
        verify(
          { type: "stripe", secret: vector.secret },
          vector.payload,
          { "stripe-signature": header },
          stripeVectors.signedAt
        )
      )
    )
  })
  it("standardwebhooks and svix vectors verify, with webhook-* and svix-* headers", () => {
    for (const vector of standardWebhookVectors.vectors) {
      const prefix = vector.headers
      const headers = {
        [`${prefix}-id`]: vector.id,
        [`${prefix}-timestamp`]: String(standardWebhookVectors.signedAt),
        [`${prefix}-signature`]: `v1a,ignored ${vector.signature}`
      }
      const result = verify(
        { type: "standard_webhooks", secret: vector.secret },
        vector.payload,
        headers,
        standardWebhookVectors.signedAt
      )
      assert.isTrue(Result.isSuccess(result), `${vector.sdk} ${vector.id}`)
    }
  })
  it("twilio vectors (getExpectedTwilioSignature) verify, form and JSON bodies", () => {
    for (const vector of twilioVectors.vectors) {
      const headers = {
        "x-twilio-signature": vector.signature,
        "content-type": vector.kind === "form" ? "application/x-www-form-urlencoded" : "application/json"
      }
      const config = { type: "twilio", secret: vector.authToken, url: vector.url }
      assert.isTrue(Result.isSuccess(verify(config, vector.body, headers, T0)), vector.kind)
      assert.strictEqual(reasonOf(verify(config, `${vector.body}&x=1`, headers, T0)), "signature_mismatch")
      assert.strictEqual(
        reasonOf(verify({ ...config, secret: "other" }, vector.body, headers, T0)),
        "signature_mismatch"
      )
    }
  })
  it("twilio takes the URL from the request (public URL) when the config has none, and needs one", () => {
    const vector = twilioVectors.vectors[0]!
    const headers = { "x-twilio-signature": vector.signature, "content-type": "application/x-www-form-urlencoded" }
    const config = { type: "twilio", secret: vector.authToken }
    const withUrl = verifyRequest(
      { verifier_type: "twilio", verifier_config: config },
      { body: utf8(vector.body), headers, url: vector.url },
      T0
    )
    assert.isTrue(Result.isSuccess(withUrl))
    const withPort = verifyRequest(
      { verifier_type: "twilio", verifier_config: config },
      { body: utf8(vector.body), headers, url: vector.url.replace("mycompany.example", "mycompany.example:443") },
      T0
    )
    assert.isTrue(Result.isSuccess(withPort))
    assert.strictEqual(reasonOf(verify(config, vector.body, headers, T0)), "invalid_config")
  })
  it("square vectors (checked by square's WebhooksHelper) verify", () => {
    for (const vector of squareVectors.vectors) {
      const config = { type: "square", secret: vector.signatureKey, notification_url: vector.notificationUrl }
      const headers = { "x-square-hmacsha256-signature": vector.signature }
      assert.isTrue(Result.isSuccess(verify(config, vector.payload, headers, T0)))
      assert.strictEqual(
        reasonOf(
          verify({ ...config, notification_url: `${vector.notificationUrl}/other` }, vector.payload, headers, T0)
        ),
        "signature_mismatch"
      )
    }
  })
})

describe("official verifiers agree with the signatures made in these tests", () => {
  it("linear: @linear/sdk verifies a body signed here, and so do we", async () => {
    const now = Math.floor(Date.now() / 1000)
    const scheme = schemes.find((s) => s.type === "linear")!
    const body = scheme.body!(now, "☃")
    const headers = await scheme.sign(scheme.secret, body, now)
    assert.isTrue(new LinearWebhookClient(scheme.secret).verify(Buffer.from(body), headers["linear-signature"]!))
    assert.isTrue(Result.isSuccess(verify({ type: "linear", secret: scheme.secret }, body, headers, now)))
  })
  it("paddle: @paddle/paddle-node-sdk verifies a body signed here, and so do we", async () => {
    const { Paddle } = await import("@paddle/paddle-node-sdk")
    const now = Math.floor(Date.now() / 1000)
    const scheme = schemes.find((s) => s.type === "paddle")!
    const body = JSON.stringify({ event_id: "evt_01", event_type: "transaction.paid", data: { note: "☃" } })
    const headers = await scheme.sign(scheme.secret, body, now)
    const paddle = new Paddle("pdl_sdbx_apikey_unused")
    assert.isTrue(await paddle.webhooks.isSignatureValid(body, scheme.secret, headers["paddle-signature"]!))
    assert.isFalse(await paddle.webhooks.isSignatureValid(`${body} `, scheme.secret, headers["paddle-signature"]!))
    assert.isTrue(Result.isSuccess(verify({ type: "paddle", secret: scheme.secret }, body, headers, now)))
  })
  it("slack: @slack/bolt's isValidSlackRequest accepts a body signed here, at and past the tolerance as we do", async () => {
    const { isValidSlackRequest } = await import("@slack/bolt")
    const scheme = schemes.find((s) => s.type === "slack")!
    const body = JSON.stringify({ type: "event_callback", event_id: "Ev1", note: "☃" })
    const headers = await scheme.sign(scheme.secret, body, T0)
    const bolt = (nowSeconds: number) =>
      isValidSlackRequest({
        signingSecret: scheme.secret,
        body,
        headers: {
          "x-slack-signature": headers["x-slack-signature"]!,
          "x-slack-request-timestamp": T0
        },
        nowMilliseconds: nowSeconds * 1000
      })
    const ours = (nowSeconds: number) =>
      Result.isSuccess(verify({ type: "slack", secret: scheme.secret }, body, headers, nowSeconds))
    for (const now of [T0, T0 + 299, T0 + 300, T0 + 301, T0 - 1000])
      assert.strictEqual(ours(now), bolt(now), `now = T0 + ${now - T0}`)
  })
  it("shopify: @shopify/shopify-api's webhooks.validate accepts a body signed here, and so do we", async () => {
    await import("@shopify/shopify-api/adapters/node")
    const { shopifyApi, ApiVersion } = await import("@shopify/shopify-api")
    const scheme = schemes.find((s) => s.type === "shopify")!
    const shopify = shopifyApi({
      apiKey: "key",
      apiSecretKey: scheme.secret,
      scopes: [],
      hostName: "localhost",
      apiVersion: ApiVersion.October26,
      isEmbeddedApp: false,
      logger: { level: 0 }
    })
    const body = JSON.stringify({ id: 820982911946154500, note: "☃ 🚀" })
    const signed = await scheme.sign(scheme.secret, body, T0)
    const validate = (rawBody: string) =>
      shopify.webhooks.validate({
        rawBody,
        rawRequest: {
          method: "POST",
          url: "/webhooks",
          headers: {
            ...signed,
            "x-shopify-topic": "orders/create",
            "x-shopify-api-version": ApiVersion.October26,
            "x-shopify-shop-domain": "acme.myshopify.com",
            "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            "x-shopify-triggered-at": "2026-11-28T00:00:00Z"
          }
        } as never,
        rawResponse: {} as never
      })
    assert.isTrue((await validate(body)).valid)
    assert.isFalse((await validate(`${body} `)).valid)
    assert.isTrue(Result.isSuccess(verify({ type: "shopify", secret: scheme.secret }, body, signed, T0)))
  })
  it("every standard webhooks header list entry is tried", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    const signed = new StandardWebhook(secret).sign("msg_1", new Date(T0 * 1000), "{}")
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(T0),
      "webhook-signature": `v1,${base64(concat("nope"))} ${signed}`
    }
    assert.isTrue(Result.isSuccess(verify({ type: "standard_webhooks", secret }, "{}", headers, T0)))
  })
})
