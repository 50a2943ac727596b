import type { ProcessingOutcome } from "../store/EventQueue.ts"
import { nextRetryDelaySeconds, RETRY_CAP_SECONDS } from "./backoff.ts"

/** A route's action that failed on this attempt. */
export interface FailedRoute {
  readonly routeId: string
  readonly error: string
  /** A failure that may pass later (a target error, a timeout), not a broken target config. */
  readonly retryable: boolean
  /** The target asked not to be called again before this many seconds (`Retry-After`). */
  readonly retryAfterSeconds?: number | null
}

/**
 * How an attempt ends, from the routes that failed on it: `delivered` when none did; else `failed` with every
 * failing route in `lastError`, retried after the backoff when one of them may pass later and retries remain —
 * or later, when a target asked for a longer pause (`Retry-After`, honoured up to the backoff's cap).
 */
export const eventOutcome = (
  failed: ReadonlyArray<FailedRoute>,
  retry: { readonly baseSeconds: number; readonly retriesDone: number; readonly maxRetries: number }
): ProcessingOutcome =>
  failed.length === 0
    ? { status: "delivered" }
    : {
        status: "failed",
        lastError: failed.map((route) => `route ${route.routeId}: ${route.error}`).join("; "),
        retryInSeconds: failed.some((route) => route.retryable) ? retryDelay(failed, retry) : null
      }

const retryDelay = (
  failed: ReadonlyArray<FailedRoute>,
  retry: { readonly baseSeconds: number; readonly retriesDone: number; readonly maxRetries: number }
): number | null => {
  const backoff = nextRetryDelaySeconds(retry)
  if (backoff === null) return null
  const asked = Math.max(0, ...failed.map((route) => (route.retryable ? (route.retryAfterSeconds ?? 0) : 0)))
  return Math.max(backoff, Math.min(asked, RETRY_CAP_SECONDS))
}
