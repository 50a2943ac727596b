import type { ProcessingOutcome } from "../store/EventQueue.ts"
import { nextRetryDelaySeconds } from "./backoff.ts"

/** A route's action that failed on this attempt. */
export interface FailedRoute {
  readonly routeId: string
  readonly error: string
  /** A failure that may pass later (a target error, a timeout), not a broken target config. */
  readonly retryable: boolean
}

/**
 * How an attempt ends, from the routes that failed on it: `delivered` when none did; else `failed` with every
 * failing route in `lastError`, retried after the backoff when one of them may pass later and retries remain.
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
        retryInSeconds: failed.some((route) => route.retryable) ? nextRetryDelaySeconds(retry) : null
      }
