import { Context, Layer } from "effect"
import type { SourceId } from "../domain/ids.ts"
import { type Bucket, type BucketLimits, takeToken } from "./tokenBucket.ts"

/**
 * Per-source token buckets, checked before anything is written (CONTRACT §2–3). The buckets live in this
 * instance's memory, so with several instances each allows the configured rate. Taking a token is synchronous, so
 * the ingest listener's fast lane can take one without a fiber (issue 22).
 */
export class RateLimiter extends Context.Service<
  RateLimiter,
  {
    /** Takes a token for the source at `nowMs`; `retryAfterSeconds` when its bucket is empty (nothing taken). */
    readonly take: (
      sourceId: SourceId,
      limits: BucketLimits,
      nowMs: number
    ) => { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }
  }
>()("eventhook/ingest/RateLimiter") {
  static readonly layer = Layer.sync(RateLimiter, () => {
    const buckets = new Map<SourceId, Bucket>()
    const take = (sourceId: SourceId, limits: BucketLimits, nowMs: number) => {
      const taken = takeToken(buckets.get(sourceId), nowMs, limits)
      buckets.set(sourceId, taken.bucket)
      return taken.allowed
        ? ({ allowed: true } as const)
        : ({ allowed: false, retryAfterSeconds: taken.retryAfterSeconds } as const)
    }
    return RateLimiter.of({ take })
  })
}
