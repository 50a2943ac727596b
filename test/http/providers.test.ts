import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import twilio from "twilio"
import { postWebhook } from "../support/http.ts"
import { schemes } from "../support/providerSchemes.ts"
import { createSource, eventsOfTenant, freshTenant, TestServer } from "../support/TestLayers.ts"
import { hex, webCryptoHmac } from "../support/webCryptoSign.ts"

const PUBLIC_URL = "https://hooks.example.com"

const post = (path: string, body: string, headers: Record<string, string>) =>
  postWebhook<Record<string, unknown>>(path, body, headers)

const nowSeconds = () => Math.floor(Date.now() / 1000)

layer(TestServer({ publicUrl: Option.some(PUBLIC_URL) }), { excludeTestServices: true })(
  "providers over HTTP",
  (it) => {
    for (const scheme of schemes) {
      it.effect(`${scheme.type}: signed is accepted with the secret's index, unsigned is 401 rejected`, () =>
        Effect.gen(function* () {
          const tenant = yield* freshTenant
          const field = scheme.secretField ?? "secret"
          yield* createSource(tenant.id, {
            slug: "provider",
            verifier_config: {
              type: scheme.type,
              ...scheme.extraConfig,
              [`${field}s`]: [scheme.otherSecret ?? "an-older-secret", scheme.secret]
            }
          })
          const path = `/api/tenants/${tenant.slug}/eventhook/in/provider`
          const now = nowSeconds()
          const body =
            scheme.body?.(now, "ünïcode ✓") ?? JSON.stringify({ id: "evt_1", type: "thing.happened", note: "✓" })
          const headers = yield* Effect.promise(() => scheme.sign(scheme.secret, body, now))
          const accepted = yield* post(path, body, headers)
          assert.strictEqual(accepted.status, 200, JSON.stringify(accepted.json))
          const forged = yield* post(path, body, {
            ...headers,
            [scheme.signatureHeader]: scheme.malformedHeaders[scheme.signatureHeader] ?? "wrong"
          })
          assert.strictEqual(forged.status, 401)
          assert.strictEqual(forged.json.error, "verification_failed")
          const [good, bad] = yield* eventsOfTenant(tenant.id)
          assert.strictEqual(good?.verified_secret_index, 1)
          assert.strictEqual(new TextDecoder().decode(good?.raw_payload), body)
          assert.strictEqual(bad?.status, "rejected")
          assert.isNull(bad?.verified_secret_index)
          assert.match(bad?.verification_error ?? "", /^(malformed_header|signature_mismatch|credentials_mismatch): /)
        })
      )
    }

    it.effect("twilio verifies against EVENTHOOK_PUBLIC_URL + the path, form parameters signed by the twilio SDK", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "sms", verifier_config: { type: "twilio", secret: "auth-token-1" } })
        const path = `/api/tenants/${tenant.slug}/eventhook/in/sms?account=main`
        const params = { From: "+15551234567", Body: "Hello ☃", MessageSid: "SM123" }
        const signature = twilio.getExpectedTwilioSignature("auth-token-1", `${PUBLIC_URL}${path}`, params)
        const body = new URLSearchParams(params).toString()
        const form = { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }
        assert.strictEqual((yield* post(path, body, form)).status, 200)
        assert.strictEqual((yield* post(path.replace("main", "other"), body, form)).status, 401)
        const [event] = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(event?.parsed_payload, params)
      })
    )

    it.effect("slack url_verification is answered with the challenge once verified, and not stored", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const secret = "slack-signing-secret"
        yield* createSource(tenant.id, { slug: "slack", verifier_config: { type: "slack", secret } })
        const path = `/api/tenants/${tenant.slug}/eventhook/in/slack`
        const body = JSON.stringify({
          token: "x",
          challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
          type: "url_verification"
        })
        const now = nowSeconds()
        const signature = `v0=${hex(yield* Effect.promise(() => webCryptoHmac("SHA-256", secret, `v0:${now}:${body}`)))}`
        const answer = yield* post(path, body, {
          "x-slack-signature": signature,
          "x-slack-request-timestamp": String(now)
        })
        assert.strictEqual(answer.status, 200)
        assert.deepStrictEqual(answer.json, { challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" })
        const unsigned = yield* post(path, body, { "x-slack-request-timestamp": String(now) })
        assert.strictEqual(unsigned.status, 401)
        const events = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(
          events.map((event) => event.status),
          ["rejected"]
        )
      })
    )

    it.effect("zoom endpoint.url_validation is answered with the plain token and its HMAC", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const secret = "zoom-secret-token"
        yield* createSource(tenant.id, { slug: "zoom", verifier_config: { type: "zoom", secrets: ["older", secret] } })
        const body = JSON.stringify({
          payload: { plainToken: "qgg8vlvZRS6UYooatFL8Aw" },
          event_ts: 1654503849680,
          event: "endpoint.url_validation"
        })
        const now = nowSeconds()
        const signature = `v0=${hex(yield* Effect.promise(() => webCryptoHmac("SHA-256", secret, `v0:${now}:${body}`)))}`
        const answer = yield* post(`/api/tenants/${tenant.slug}/eventhook/in/zoom`, body, {
          "x-zm-signature": signature,
          "x-zm-request-timestamp": String(now)
        })
        assert.strictEqual(answer.status, 200)
        const expected = hex(yield* Effect.promise(() => webCryptoHmac("SHA-256", secret, "qgg8vlvZRS6UYooatFL8Aw")))
        assert.deepStrictEqual(answer.json, { plainToken: "qgg8vlvZRS6UYooatFL8Aw", encryptedToken: expected })
        assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      })
    )
  }
)
