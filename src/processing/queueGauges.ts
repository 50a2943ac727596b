import { Effect, Layer, Schedule } from "effect"
import { recordQueue } from "../metrics/metrics.ts"
import { EventReads } from "../store/EventReads.ts"

/**
 * The queue gauges (issue 19): every 10 s, the events waiting in the whole database (every instance's), by state,
 * and the age of the oldest pending one — what an alert on a stalled or lagging queue reads. A failed read (the
 * database away) leaves the last values.
 */
export const QueueGauges = Layer.effectDiscard(
  Effect.gen(function* () {
    const reads = yield* EventReads
    const sample = reads.queueDepth.pipe(
      Effect.flatMap((depth) => recordQueue(depth, depth.oldestPendingSeconds)),
      Effect.catchCause(() => Effect.void)
    )
    yield* Effect.forkScoped(sample.pipe(Effect.repeat(Schedule.spaced("10 seconds"))))
  })
)
