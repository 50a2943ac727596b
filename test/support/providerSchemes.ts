import { Webhook as StandardWebhook } from "standardwebhooks"
import Stripe from "stripe"
import { Webhook as SvixWebhook } from "svix"
import { base64, hex, webCryptoHmac } from "./webCryptoSign.ts"

// Each signature scheme with a signer: the provider's SDK where one signs, else WebCrypto (see webCryptoSign.ts).
export const T0 = 1_700_000_000
const stripeSdk = new Stripe("sk_test_unit")

export type Headers = Record<string, string>
export interface Scheme {
  readonly type: string
  readonly secret: string
  readonly extraConfig?: Record<string, unknown>
  /** Headers for `body` signed at `timestamp` with `secret`, made by the provider's SDK where there is one. */
  readonly sign: (secret: string, body: string, timestamp: number) => Promise<Headers>
  readonly signatureHeader: string
  readonly malformedHeaders: Headers
  readonly tolerance?: { readonly seconds: number; readonly future: boolean }
  /** Bodies that carry their own timestamp (Linear) are built per timestamp. */
  readonly body?: (timestamp: number, text: string) => string
  readonly secretField?: "secret" | "token"
  /** Another valid secret of the scheme's format (a wrong one, or the previous one in a rotation). */
  readonly otherSecret?: string
}

const v0 = async (secret: string, body: string, timestamp: number) =>
  `v0=${hex(await webCryptoHmac("SHA-256", secret, `v0:${timestamp}:${body}`))}`

export const schemes: ReadonlyArray<Scheme> = [
  {
    type: "stripe",
    secret: "whsec_test_stripe_secret",
    sign: async (secret, payload, timestamp) => ({
      "stripe-signature": stripeSdk.webhooks.generateTestHeaderString({ payload, secret, timestamp })
    }),
    signatureHeader: "stripe-signature",
    malformedHeaders: { "stripe-signature": "v1=abc" },
    tolerance: { seconds: 300, future: false }
  },
  {
    type: "standard_webhooks",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    otherSecret: "whsec_b3RoZXIta2V5LW9mLXRoZS1yaWdodC1mb3JtYXQ=",
    sign: async (secret, payload, timestamp) => ({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": new StandardWebhook(secret).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        new Date(timestamp * 1000),
        payload
      )
    }),
    signatureHeader: "webhook-signature",
    malformedHeaders: { "webhook-id": "msg_1", "webhook-timestamp": String(T0), "webhook-signature": "v1a,abc" },
    tolerance: { seconds: 300, future: true }
  },
  {
    type: "standard_webhooks",
    secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    otherSecret: "whsec_b3RoZXIta2V5LW9mLXRoZS1yaWdodC1mb3JtYXQ=",
    sign: async (secret, payload, timestamp) => ({
      "svix-id": "msg_svix",
      "svix-timestamp": String(timestamp),
      "svix-signature": new SvixWebhook(secret).sign("msg_svix", new Date(timestamp * 1000), payload)
    }),
    signatureHeader: "svix-signature",
    malformedHeaders: { "svix-id": "msg_1", "svix-timestamp": String(T0), "svix-signature": "v2,abc" },
    tolerance: { seconds: 300, future: true }
  },
  {
    type: "shopify",
    secret: "shpss_shopify_app_secret",
    sign: async (secret, payload) => ({
      "x-shopify-hmac-sha256": base64(await webCryptoHmac("SHA-256", secret, payload))
    }),
    signatureHeader: "x-shopify-hmac-sha256",
    malformedHeaders: { "x-shopify-hmac-sha256": "not base64!" }
  },
  {
    type: "slack",
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    sign: async (secret, payload, timestamp) => ({
      "x-slack-signature": await v0(secret, payload, timestamp),
      "x-slack-request-timestamp": String(timestamp)
    }),
    signatureHeader: "x-slack-signature",
    malformedHeaders: { "x-slack-signature": "v1=abc", "x-slack-request-timestamp": String(T0) },
    tolerance: { seconds: 300, future: false }
  },
  {
    type: "zoom",
    secret: "zoom-secret-token",
    sign: async (secret, payload, timestamp) => ({
      "x-zm-signature": await v0(secret, payload, timestamp),
      "x-zm-request-timestamp": String(timestamp)
    }),
    signatureHeader: "x-zm-signature",
    malformedHeaders: { "x-zm-signature": "v0=xyz", "x-zm-request-timestamp": String(T0) },
    tolerance: { seconds: 300, future: true }
  },
  {
    type: "paddle",
    secret: "pdl_ntfset_paddle_secret",
    sign: async (secret, payload, timestamp) => ({
      "paddle-signature": `ts=${timestamp};h1=${hex(await webCryptoHmac("SHA-256", secret, `${timestamp}:${payload}`))}`
    }),
    signatureHeader: "paddle-signature",
    malformedHeaders: { "paddle-signature": `ts=${T0}` },
    tolerance: { seconds: 5, future: false }
  },
  {
    type: "linear",
    secret: "lin_wh_linear_secret",
    body: (timestamp, text) =>
      JSON.stringify({ action: "create", type: "Issue", text, webhookTimestamp: timestamp * 1000 }),
    sign: async (secret, payload) => ({ "linear-signature": hex(await webCryptoHmac("SHA-256", secret, payload)) }),
    signatureHeader: "linear-signature",
    malformedHeaders: { "linear-signature": "zz" },
    tolerance: { seconds: 60, future: true }
  },
  {
    type: "gitlab",
    secret: "gitlab-token",
    secretField: "token",
    sign: async (secret) => ({ "x-gitlab-token": secret }),
    signatureHeader: "x-gitlab-token",
    malformedHeaders: {}
  },
  {
    type: "square",
    secret: "square-signature-key",
    extraConfig: { notification_url: "https://hooks.example.com/api/tenants/acme/eventhook/in/square" },
    sign: async (secret, payload) => ({
      "x-square-hmacsha256-signature": base64(
        await webCryptoHmac(
          "SHA-256",
          secret,
          `https://hooks.example.com/api/tenants/acme/eventhook/in/square${payload}`
        )
      )
    }),
    signatureHeader: "x-square-hmacsha256-signature",
    malformedHeaders: { "x-square-hmacsha256-signature": "%%%" }
  }
]
