import { Context, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { recordIngestFirst } from "../metrics/metrics.ts"

// Ingest first under overload (issue 22). Ingest and processing share one instance. When requests arrive faster
// than it answers them, they queue — and every millisecond processing takes is one a provider waits longer for
// its 200; a provider that waits too long retries or gives up. So while requests queue, processing is held to a
// floor rate and the burst is acked at ingest's own speed; processing takes every event again as soon as the queue
// is gone. Queueing, not a busy instance, is the signal: at a high load the instance can carry, requests do not
// pile up, and holding processing back would only delay it (measured with a busy event loop as the signal: at a
// steady 1,600 req/s, webhook → workflow took 1.4–5 s at the median instead of 14–24 ms). No event is held back
// once it is `maxLagSeconds` old: under an overload that does not end, ingest and processing share the instance
// again, and the lag stays bounded.

export interface IngestFirstOptions {
  /** An event this old (since it was received) is processed without waiting; 0 turns ingest first off. */
  readonly maxLagSeconds: number
  /** Requests queue when this many are in flight at once (smoothed over the last samples). */
  readonly queuedAt: number
  /** Once ingest comes first, the queue is gone only below this share of `queuedAt`. */
  readonly releaseRatio: number
  /** The weight of the newest sample in the smoothed count: one crowded sample alone is not an overload. */
  readonly smoothing: number
  /** How often the requests in flight are sampled. */
  readonly sampleMillis: number
  /** Events processed per second while ingest comes first, so processing never stops. */
  readonly floorPerSecond: number
}

export const defaultIngestFirstOptions: Omit<IngestFirstOptions, "maxLagSeconds" | "queuedAt"> = {
  smoothing: 0.4,
  releaseRatio: 0.5,
  sampleMillis: 100,
  floorPerSecond: 100
}

/** The smoothed count of requests in flight after a sample. */
export const smoothedInFlight = (previous: number, sampled: number, smoothing: number) =>
  smoothing * sampled + (1 - smoothing) * previous

/**
 * Whether ingest comes first now: requests queue. It starts at `queuedAt` and ends below `releaseRatio` of it. With one
 * threshold for both, senders that keep about that many requests in flight switched it on and off every few hundred
 * milliseconds: acking faster while it is on, they fell below the threshold, and rose above it again once processing
 * resumed (issue 22: at c=32, p99 25–28 ms against the peer's 14–17, and full collections three times as often).
 */
export const ingestComesFirst = (
  smoothedInFlight: number,
  thresholds: { readonly queuedAt: number; readonly releaseRatio: number },
  comesFirstNow: boolean
) => smoothedInFlight >= (comesFirstNow ? thresholds.queuedAt * thresholds.releaseRatio : thresholds.queuedAt)

/** Whether an event received `lagMillis` ago may be processed now, given the state and the floor's tokens left. */
export const mayProcess = (
  state: { readonly ingestFirst: boolean; readonly tokens: number },
  lagMillis: number,
  maxLagMillis: number
) => !state.ingestFirst || lagMillis >= maxLagMillis || state.tokens >= 1

export class IngestFirst extends Context.Service<
  IngestFirst,
  {
    /** An ingest request arrived / was answered (called on the hot path: a counter). */
    readonly requestStarted: () => void
    readonly requestEnded: () => void
    /** Whether ingest comes first now (requests queue). */
    readonly comesFirst: () => boolean
    /** Waits, while ingest comes first, until an event received at `receivedAt` may be processed. */
    readonly admit: (receivedAt: Date) => Effect.Effect<void>
  }
>()("eventhook/processing/IngestFirst") {
  static readonly layerWith = (options: IngestFirstOptions) =>
    Layer.effect(
      IngestFirst,
      Effect.gen(function* () {
        const maxLagMillis = options.maxLagSeconds * 1000
        if (maxLagMillis <= 0)
          return IngestFirst.of({
            requestStarted: () => {},
            requestEnded: () => {},
            comesFirst: () => false,
            admit: () => Effect.void
          })
        const tokensPerSample = (options.floorPerSecond * options.sampleMillis) / 1000
        const state = { ingestFirst: false, tokens: tokensPerSample, inFlight: 0, smoothed: 0, waiting: 0 }
        const sample = Effect.suspend(() => {
          state.smoothed = smoothedInFlight(state.smoothed, state.inFlight, options.smoothing)
          state.ingestFirst = ingestComesFirst(state.smoothed, options, state.ingestFirst)
          state.tokens = tokensPerSample
          return recordIngestFirst(state.ingestFirst, state.waiting)
        })
        yield* Effect.forkScoped(sample.pipe(Effect.repeat(Schedule.spaced(options.sampleMillis))))

        const admitNow = (receivedAt: Date) => {
          if (!mayProcess(state, Date.now() - receivedAt.getTime(), maxLagMillis)) return false
          if (state.ingestFirst) state.tokens--
          return true
        }
        const wait = (receivedAt: Date): Effect.Effect<void> =>
          Effect.suspend(() =>
            admitNow(receivedAt) ? Effect.void : Effect.andThen(Effect.sleep(options.sampleMillis), wait(receivedAt))
          )
        return IngestFirst.of({
          requestStarted: () => {
            state.inFlight++
          },
          requestEnded: () => {
            state.inFlight--
          },
          comesFirst: () => state.ingestFirst,
          admit: (receivedAt) =>
            admitNow(receivedAt)
              ? Effect.void
              : Effect.suspend(() => {
                  state.waiting++
                  return Effect.ensuring(
                    wait(receivedAt),
                    Effect.sync(() => {
                      state.waiting--
                    })
                  )
                })
        })
      })
    )

  /** EVENTHOOK_INGEST_FIRST_MAX_LAG_SECONDS and EVENTHOOK_INGEST_FIRST_QUEUED_AT, with the defaults above. */
  static readonly layer = Layer.unwrap(
    Effect.map(AppConfig, (config) =>
      IngestFirst.layerWith({
        ...defaultIngestFirstOptions,
        maxLagSeconds: config.ingestFirstMaxLagSeconds,
        queuedAt: config.ingestFirstQueuedAt
      })
    )
  )
}
