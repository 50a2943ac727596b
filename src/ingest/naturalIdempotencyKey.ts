import { bodyField } from "../domain/resolvePath.ts"

type Headers = Readonly<Record<string, string | undefined>>
const header = (headers: Headers, name: string) => {
  const value = headers[name]
  return value === undefined || value === "" ? null : value
}

// PROVIDERS.md, "natural dedupe id": what each provider repeats when it retries the same delivery.
const naturalKeys: Record<string, (headers: Headers, body: unknown) => string | null> = {
  // Every hook that receives the same event shares X-GitHub-Delivery, so the hook id is part of the key.
  github: (headers) => {
    const delivery = header(headers, "x-github-delivery")
    const hook = header(headers, "x-github-hook-id")
    return delivery === null ? null : hook === null ? delivery : `${hook}:${delivery}`
  },
  stripe: (_, body) => bodyField(body, "id"),
  standard_webhooks: (headers) => header(headers, "webhook-id") ?? header(headers, "svix-id"),
  shopify: (headers) => header(headers, "x-shopify-event-id") ?? header(headers, "x-shopify-webhook-id"),
  slack: (_, body) => bodyField(body, "event_id"),
  gitlab: (headers) => header(headers, "idempotency-key") ?? header(headers, "x-gitlab-event-uuid"),
  linear: (headers) => header(headers, "linear-delivery"),
  paddle: (_, body) => bodyField(body, "event_id"),
  twilio: (headers) => header(headers, "i-twilio-idempotency-token"),
  square: (_, body) => bodyField(body, "event_id")
}

/**
 * The dedupe key of a source with a provider verifier and no `idempotency_key_paths` (NULL): the provider's own
 * delivery id. Generic verifiers (`hmac`, `api_key`, `basic_auth`, `none`) and Zoom have none.
 */
export const naturalIdempotencyKey = (verifierType: string | null, headers: Headers, body: unknown): string | null =>
  verifierType === null ? null : (naturalKeys[verifierType]?.(headers, body) ?? null)
