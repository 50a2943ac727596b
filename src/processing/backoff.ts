// CONTRACT §2: the n-th automatic retry of a failed event waits `base × 3^(n-1)` seconds, at most an hour.
export const RETRY_CAP_SECONDS = 3600

export const retryDelaySeconds = (baseSeconds: number, retry: number): number =>
  Math.min(baseSeconds * 3 ** Math.max(0, retry - 1), RETRY_CAP_SECONDS)

/** When a failed attempt is retried: `null` once `maxRetries` retries have been made. */
export const nextRetryDelaySeconds = (options: {
  readonly baseSeconds: number
  readonly retriesDone: number
  readonly maxRetries: number
}): number | null =>
  options.retriesDone >= options.maxRetries ? null : retryDelaySeconds(options.baseSeconds, options.retriesDone + 1)
