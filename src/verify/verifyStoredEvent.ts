import type { Result } from "effect"
import { verifyRequest } from "./registry.ts"
import type { VerificationFailed, Verified } from "./types.ts"

/**
 * Verifies a stored request again, with the source's current config and the event's `received_at` as "now", so
 * a timestamped scheme judges the request as it stood when it arrived, not by how long it has waited since.
 * Credentials that were redacted before storage (`authorization`, an `api_key` header) cannot verify again.
 */
export const verifyStoredEvent = (
  source: { readonly verifier_type: string | null; readonly verifier_config: unknown },
  event: {
    readonly raw_payload: Uint8Array
    readonly headers: Readonly<Record<string, string>>
    readonly received_at: Date
  },
  url: string | null
): Result.Result<Verified, VerificationFailed> =>
  verifyRequest(
    source,
    { body: event.raw_payload, headers: event.headers, url },
    Math.floor(event.received_at.getTime() / 1000)
  )
