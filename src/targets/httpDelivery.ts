import { createHmac } from "node:crypto"
import { stringifyKeepingLargeIntegers } from "../domain/exactIntegers.ts"
import type { HttpSigning, HttpTargetConfig } from "../domain/TargetConfig.ts"
import { UNSENDABLE_HEADERS } from "../domain/TargetConfig.ts"

// What an `http` target sends, and what its answer means (issue 17). Pure: the sender (HttpSender.ts) does the I/O.

/**
 * Forwarded by default: what lets the receiver verify the provider's own signature over the untouched bytes with
 * the provider's SDK — the content type, the user agent, and each provider's signature, id, timestamp and event
 * headers (only those the request carried go along).
 */
export const DEFAULT_FORWARDED_HEADERS: ReadonlyArray<string> = [
  "content-type",
  "user-agent",
  // GitHub
  "x-hub-signature-256",
  "x-hub-signature",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
  "x-github-hook-installation-target-id",
  "x-github-hook-installation-target-type",
  // Stripe, Linear, Paddle
  "stripe-signature",
  "linear-signature",
  "linear-delivery",
  "linear-event",
  "paddle-signature",
  // Standard Webhooks, Svix
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
  // Shopify
  "x-shopify-hmac-sha256",
  "x-shopify-topic",
  "x-shopify-webhook-id",
  "x-shopify-event-id",
  "x-shopify-shop-domain",
  "x-shopify-api-version",
  "x-shopify-triggered-at",
  // Slack, GitLab, Twilio, Square, Zoom, generic event types
  "x-slack-signature",
  "x-slack-request-timestamp",
  "x-gitlab-event",
  "x-gitlab-event-uuid",
  "x-gitlab-webhook-uuid",
  "x-twilio-signature",
  "x-square-hmacsha256-signature",
  "x-zm-signature",
  "x-zm-request-timestamp",
  "x-event-type",
  "x-webhook-event"
]

/** Stored in place of a credential header's value (the verifier's token, a Basic password…). */
export const REDACTED = "[redacted]"

export interface EventToDeliver {
  readonly eventId: string
  readonly routeId: string
  readonly contentType: string | null
  readonly rawPayload: Uint8Array
  readonly parsedPayload: unknown
  /** The received headers as stored: lower-case names, credentials redacted. */
  readonly headers: Readonly<Record<string, string>>
}

export interface DeliveryRequest {
  readonly method: "POST" | "PUT" | "PATCH"
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly timeoutMs: number
}

/** Stable per (event, route): every retry of one delivery carries the same `webhook-id`, so a receiver dedupes. */
export const deliveryId = (eventId: string, routeId: string) => `msg_${eventId}_${routeId}`

const keyOf = (secret: string) => Buffer.from(secret.slice("whsec_".length), "base64")

/** Standard Webhooks: `v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`, one per secret, space-separated. */
export const signStandardWebhook = (
  signing: HttpSigning,
  message: { readonly id: string; readonly timestampSeconds: number; readonly body: Uint8Array }
): Record<string, string> => {
  const secrets = [...(signing.secret === undefined ? [] : [signing.secret]), ...(signing.secrets ?? [])]
  const signatures = secrets.map(
    (secret) =>
      `v1,${createHmac("sha256", keyOf(secret))
        .update(`${message.id}.${message.timestampSeconds}.`)
        .update(message.body)
        .digest("base64")}`
  )
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(message.timestampSeconds),
    "webhook-signature": signatures.join(" ")
  }
}

const encoder = new TextEncoder()

/**
 * The request for one event on one route: the received headers chosen to go along (never a credential, a cookie
 * or authorization), the target's own headers over them, then Eventhook's signature over the bytes sent.
 */
export const deliveryRequestOf = (
  config: HttpTargetConfig,
  event: EventToDeliver,
  nowSeconds: number
): DeliveryRequest => {
  const headers: Record<string, string> = {}
  for (const name of config.forward_headers ?? DEFAULT_FORWARDED_HEADERS) {
    const lower = name.toLowerCase()
    const value = event.headers[lower]
    if (value === undefined || value === REDACTED || UNSENDABLE_HEADERS.includes(lower)) continue
    headers[lower] = value
  }
  const parsed = config.body === "parsed"
  const body = parsed
    ? encoder.encode(stringifyKeepingLargeIntegers(event.parsedPayload ?? null) ?? "null")
    : event.rawPayload
  if (parsed) headers["content-type"] = "application/json"
  else if (event.contentType !== null) headers["content-type"] = event.contentType
  else delete headers["content-type"]
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value
  const signed =
    config.signing === undefined
      ? {}
      : signStandardWebhook(config.signing, {
          id: deliveryId(event.eventId, event.routeId),
          timestampSeconds: nowSeconds,
          body
        })
  return {
    method: config.method ?? "POST",
    url: config.url,
    headers: { ...headers, ...signed },
    body,
    timeoutMs: config.timeout_ms ?? 10_000
  }
}

/** What came back from a destination, or why nothing did. */
export type DeliveryResult =
  | {
      readonly _tag: "Answered"
      readonly status: number
      readonly location: string | null
      readonly retryAfter: string | null
      readonly bodyStart: string
      readonly ms: number
    }
  | { readonly _tag: "NoAnswer"; readonly reason: string; readonly retryable: boolean; readonly ms: number | null }

export interface DeliveryOutcome {
  readonly status: "success" | "failed"
  readonly error_message: string | null
  readonly retryable: boolean
  /** From `Retry-After`, when the destination asked for a pause. */
  readonly retry_after_seconds: number | null
  readonly response_status: number | null
  readonly response_ms: number | null
  readonly response_body: string | null
}

const RETRYABLE_STATUSES = new Set([408, 409, 425, 429])

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export const retryAfterSeconds = (value: string | null, nowMs: number): number | null => {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

/**
 * 2xx succeeds. 408, 409, 425, 429, 5xx, and no answer (refused, reset, timed out) fail retryably, honouring
 * `Retry-After`; a redirect (not followed) and any other 4xx fail for good.
 */
export const deliveryOutcome = (result: DeliveryResult, nowMs: number): DeliveryOutcome => {
  if (result._tag === "NoAnswer")
    return {
      status: "failed",
      error_message: result.reason,
      retryable: result.retryable,
      retry_after_seconds: null,
      response_status: null,
      response_ms: result.ms,
      response_body: null
    }
  const response = { response_status: result.status, response_ms: result.ms, response_body: result.bodyStart }
  if (result.status >= 200 && result.status < 300)
    return { status: "success", error_message: null, retryable: false, retry_after_seconds: null, ...response }
  const retryable = RETRYABLE_STATUSES.has(result.status) || result.status >= 500
  const error_message =
    result.status >= 300 && result.status < 400
      ? `the destination answered ${result.status}, a redirect (not followed) to ${result.location ?? "no Location"}`
      : `the destination answered ${result.status}`
  return {
    status: "failed",
    error_message,
    retryable,
    retry_after_seconds: retryable ? retryAfterSeconds(result.retryAfter, nowMs) : null,
    ...response
  }
}
