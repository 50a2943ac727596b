import { Schema } from "effect"
import type { VerifierType } from "../domain/VerifierConfig.ts"

// Presets for `source create --provider …` and the admin API's `provider` field: which verifier a provider
// needs, where its secret goes, and how its deliveries are deduplicated (PROVIDERS.md). A preset leaves
// `idempotency_key_paths` NULL, which means the provider's natural delivery id (see naturalIdempotencyKey.ts).

export const ProviderName = Schema.Literals([
  "github",
  "stripe",
  "standard_webhooks",
  "svix",
  "shopify",
  "slack",
  "gitlab",
  "linear",
  "paddle",
  "twilio",
  "square",
  "zoom"
])
export type ProviderName = typeof ProviderName.Type

export interface Provider {
  readonly name: ProviderName
  readonly verifier_type: VerifierType
  /** The verifier_config field the secret goes into (rotation adds the previous one to its plural). */
  readonly secret_field: "secret" | "token"
  /** Other verifier_config fields the provider takes; `required` ones must be given. */
  readonly options: ReadonlyArray<{ readonly field: string; readonly required: boolean; readonly about: string }>
  readonly signature: string
  readonly dedupe: string
  readonly event_type: string
}

const tolerance = {
  field: "tolerance_seconds",
  required: false,
  about: "accepted clock skew in seconds (provider default if omitted)"
}

export const providers: ReadonlyArray<Provider> = [
  {
    name: "github",
    verifier_type: "github",
    secret_field: "secret",
    options: [],
    signature: "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>",
    dedupe: "X-GitHub-Hook-ID + X-GitHub-Delivery",
    event_type: "X-GitHub-Event"
  },
  {
    name: "stripe",
    verifier_type: "stripe",
    secret_field: "secret",
    options: [tolerance],
    signature: "Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of {t}.{body}>",
    dedupe: "body.id (evt_…)",
    event_type: "body.type"
  },
  {
    name: "standard_webhooks",
    verifier_type: "standard_webhooks",
    secret_field: "secret",
    options: [tolerance],
    signature: "webhook-signature: v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}> (secret whsec_…)",
    dedupe: "webhook-id",
    event_type: "body.type"
  },
  {
    name: "svix",
    verifier_type: "standard_webhooks",
    secret_field: "secret",
    options: [tolerance],
    signature: "svix-signature: v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}> (secret whsec_…)",
    dedupe: "svix-id",
    event_type: "body.type"
  },
  {
    name: "shopify",
    verifier_type: "shopify",
    secret_field: "secret",
    options: [],
    signature: "X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>",
    dedupe: "X-Shopify-Event-Id (else X-Shopify-Webhook-Id)",
    event_type: "X-Shopify-Topic"
  },
  {
    name: "slack",
    verifier_type: "slack",
    secret_field: "secret",
    options: [tolerance],
    signature: "X-Slack-Signature: v0=<hex HMAC-SHA256 of v0:{timestamp}:{body}>; answers url_verification",
    dedupe: "body.event_id",
    event_type: "body.type"
  },
  {
    name: "gitlab",
    verifier_type: "gitlab",
    secret_field: "token",
    options: [],
    signature: "X-Gitlab-Token equal to the token",
    dedupe: "Idempotency-Key (else X-Gitlab-Event-UUID)",
    event_type: "X-Gitlab-Event"
  },
  {
    name: "linear",
    verifier_type: "linear",
    secret_field: "secret",
    options: [tolerance],
    signature: "Linear-Signature: <hex HMAC-SHA256 of the body>, webhookTimestamp within tolerance",
    dedupe: "Linear-Delivery",
    event_type: "body.type"
  },
  {
    name: "paddle",
    verifier_type: "paddle",
    secret_field: "secret",
    options: [tolerance],
    signature: "Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256 of {ts}:{body}>",
    dedupe: "body.event_id",
    event_type: "body.event_type"
  },
  {
    name: "twilio",
    verifier_type: "twilio",
    secret_field: "secret",
    options: [{ field: "url", required: false, about: "the URL configured at Twilio (default: public URL + path)" }],
    signature: "X-Twilio-Signature: <base64 HMAC-SHA1 of the URL and sorted form fields, or bodySHA256>",
    dedupe: "I-Twilio-Idempotency-Token",
    event_type: "none by default (set event_type_config)"
  },
  {
    name: "square",
    verifier_type: "square",
    secret_field: "secret",
    options: [{ field: "notification_url", required: true, about: "the notification URL configured at Square" }],
    signature: "X-Square-HmacSha256-Signature: <base64 HMAC-SHA256 of {notification_url}{body}>",
    dedupe: "body.event_id",
    event_type: "body.type"
  },
  {
    name: "zoom",
    verifier_type: "zoom",
    secret_field: "secret",
    options: [tolerance],
    signature: "x-zm-signature: v0=<hex HMAC-SHA256 of v0:{timestamp}:{body}>; answers endpoint.url_validation",
    dedupe: "none (Zoom sends no delivery id)",
    event_type: "body.event"
  }
]

export const providerNamed = (name: ProviderName): Provider => providers.find((provider) => provider.name === name)!
