import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Schedule } from "effect"
import { recordConnections, recordPool, recordQueue } from "../metrics/metrics.ts"
import { DatabaseHealth } from "../store/DatabaseHealth.ts"
import { EventReads } from "../store/EventReads.ts"

/**
 * The queue gauges (issue 19): every 10 s, the events waiting in the whole database (every instance's), by state,
 * and the age of the oldest pending one — what an alert on a stalled or lagging queue reads — and Eventhook's
 * database connections by state. A failed read (the database away) leaves the last values. Every second, this
 * instance's pool: connections in use and idle, and the checkouts waiting for one (an in-memory snapshot).
 */
export const QueueGauges = Layer.effectDiscard(
  Effect.gen(function* () {
    const reads = yield* EventReads
    const database = yield* DatabaseHealth
    const pg = yield* PgClient.PgClient
    const sample = Effect.all(
      [
        reads.queueDepth.pipe(Effect.flatMap((depth) => recordQueue(depth, depth.oldestPendingSeconds))),
        database.connections.pipe(Effect.flatMap(recordConnections))
      ],
      { discard: true }
    ).pipe(Effect.catchCause(() => Effect.void))
    yield* Effect.forkScoped(sample.pipe(Effect.repeat(Schedule.spaced("10 seconds"))))
    yield* Effect.forkScoped(pg.poolStats.pipe(Effect.flatMap(recordPool), Effect.repeat(Schedule.spaced("1 second"))))
  })
)
