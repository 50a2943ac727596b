import { Clock, Context, Effect, Layer, SynchronizedRef } from "effect"
import type { SourceId } from "../domain/ids.ts"
import { type Bucket, type BucketLimits, takeToken } from "./tokenBucket.ts"

/**
 * Per-source token buckets, checked before anything is written (CONTRACT §2–3). The buckets live in this
 * instance's memory, so with several instances each allows the configured rate.
 */
export class RateLimiter extends Context.Service<
  RateLimiter,
  {
    /** Takes a token for the source; `retryAfterSeconds` when its bucket is empty. */
    readonly take: (
      sourceId: SourceId,
      limits: BucketLimits
    ) => Effect.Effect<{ readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }>
  }
>()("eventhook/ingest/RateLimiter") {
  static readonly layer = Layer.effect(
    RateLimiter,
    Effect.gen(function* () {
      const buckets = yield* SynchronizedRef.make(new Map<SourceId, Bucket>())
      const take = (sourceId: SourceId, limits: BucketLimits) =>
        Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
          SynchronizedRef.modify(buckets, (all) => {
            const taken = takeToken(all.get(sourceId), nowMs, limits)
            all.set(sourceId, taken.bucket)
            return [
              taken.allowed
                ? ({ allowed: true } as const)
                : ({ allowed: false, retryAfterSeconds: taken.retryAfterSeconds } as const),
              all
            ] as const
          })
        )
      return RateLimiter.of({ take })
    })
  )
}
