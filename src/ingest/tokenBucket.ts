/** A source's token bucket: `tokens` left as of `updatedAtMs`. */
export interface Bucket {
  readonly tokens: number
  readonly updatedAtMs: number
}

export interface BucketLimits {
  readonly ratePerSecond: number
  readonly burst: number
}

export type Taken =
  | { readonly allowed: true; readonly bucket: Bucket }
  | { readonly allowed: false; readonly bucket: Bucket; readonly retryAfterSeconds: number }

/**
 * Takes one token: the bucket refills at `ratePerSecond` up to `burst`, a new bucket starts full. When empty, the
 * answer says how many whole seconds until a token is back (at least 1), for `Retry-After`.
 */
export const takeToken = (bucket: Bucket | undefined, nowMs: number, limits: BucketLimits): Taken => {
  const elapsedSeconds = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.updatedAtMs) / 1000
  const available =
    bucket === undefined ? limits.burst : Math.min(limits.burst, bucket.tokens + elapsedSeconds * limits.ratePerSecond)
  if (available >= 1) return { allowed: true, bucket: { tokens: available - 1, updatedAtMs: nowMs } }
  return {
    allowed: false,
    bucket: { tokens: available, updatedAtMs: nowMs },
    retryAfterSeconds: Math.max(1, Math.ceil((1 - available) / limits.ratePerSecond))
  }
}
