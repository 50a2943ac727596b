import { performance } from "node:perf_hooks"
import { Context, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { recordIngestFirst } from "../metrics/metrics.ts"

// Ingest first under overload (issue 22). Ingest and processing share one event loop. When it is saturated while
// requests arrive, every millisecond processing takes is one a provider waits longer for its 200 — and a provider
// that waits too long retries or gives up. So while the loop is saturated by ingest, processing is held to a floor
// rate and the burst is acked at ingest's own speed; processing catches up as soon as the loop has room again. No
// event is held back once it is `maxLagSeconds` old: under a sustained overload, ingest and processing then share
// the loop again, and the lag stays bounded.

export interface IngestFirstOptions {
  /** An event this old (since it was received) is processed without waiting; 0 turns ingest first off. */
  readonly maxLagSeconds: number
  /**
   * The loop counts as saturated at this utilization (its busy share, smoothed over the last samples). Below 1,
   * because the loop also waits on PostgreSQL while the machine's cores are full.
   */
  readonly saturatedAt: number
  /** The weight of the newest sample in the smoothed utilization: one busy sample alone is not an overload. */
  readonly smoothing: number
  /** How often the loop's utilization is sampled. */
  readonly sampleMillis: number
  /** Events processed per second while ingest comes first, so processing never stops. */
  readonly floorPerSecond: number
}

export const defaultIngestFirstOptions: Omit<IngestFirstOptions, "maxLagSeconds"> = {
  saturatedAt: 0.75,
  smoothing: 0.4,
  sampleMillis: 100,
  floorPerSecond: 100
}

/** Whether ingest comes first now: the loop was saturated over the last sample, and requests arrived in it. */
export const ingestComesFirst = (
  sample: { readonly utilization: number; readonly requests: number },
  saturatedAt: number
) => sample.requests > 0 && sample.utilization >= saturatedAt

/** Whether an event received `lagMillis` ago may be processed now, given the state and the floor's tokens left. */
export const mayProcess = (
  state: { readonly ingestFirst: boolean; readonly tokens: number },
  lagMillis: number,
  maxLagMillis: number
) => !state.ingestFirst || lagMillis >= maxLagMillis || state.tokens >= 1

/** The event loop's busy share since the previous call (0 where the runtime does not measure it, e.g. Deno). */
const loopUtilization = () => {
  const measure = performance.eventLoopUtilization as typeof performance.eventLoopUtilization | undefined
  if (typeof measure !== "function") return () => 0
  let last = measure.call(performance)
  return () => {
    const now = measure.call(performance)
    const utilization = measure.call(performance, now, last).utilization
    last = now
    return Number.isFinite(utilization) ? utilization : 0
  }
}

export class IngestFirst extends Context.Service<
  IngestFirst,
  {
    /** An ingest request arrived (called on the hot path: a counter). */
    readonly noteRequest: () => void
    /** Waits, while ingest comes first, until an event received at `receivedAt` may be processed. */
    readonly admit: (receivedAt: Date) => Effect.Effect<void>
  }
>()("eventhook/processing/IngestFirst") {
  /** `utilization` replaces the event loop's measure (tests decide when the loop is saturated). */
  static readonly layerWith = (options: IngestFirstOptions, utilization: () => () => number = loopUtilization) =>
    Layer.effect(
      IngestFirst,
      Effect.gen(function* () {
        const maxLagMillis = options.maxLagSeconds * 1000
        if (maxLagMillis <= 0) return IngestFirst.of({ noteRequest: () => {}, admit: () => Effect.void })
        const tokensPerSample = (options.floorPerSecond * options.sampleMillis) / 1000
        const state = { ingestFirst: false, tokens: tokensPerSample, requests: 0, waiting: 0, utilization: 0 }
        const sampleUtilization = utilization()
        const sample = Effect.suspend(() => {
          state.utilization = options.smoothing * sampleUtilization() + (1 - options.smoothing) * state.utilization
          state.ingestFirst = ingestComesFirst(
            { utilization: state.utilization, requests: state.requests },
            options.saturatedAt
          )
          state.requests = 0
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
          noteRequest: () => {
            state.requests++
          },
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

  /** EVENTHOOK_INGEST_FIRST_MAX_LAG_SECONDS, with the defaults above. */
  static readonly layer = Layer.unwrap(
    Effect.map(AppConfig, (config) =>
      IngestFirst.layerWith({ ...defaultIngestFirstOptions, maxLagSeconds: config.ingestFirstMaxLagSeconds })
    )
  )
}
