import { Context, Effect, Layer, Option, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { EventRepo } from "../store/EventRepo.ts"

// CONTRACT §2: `rejected` events older than EVENTHOOK_REJECTED_RETENTION_DAYS, and every event older than
// EVENTHOOK_RETENTION_DAYS when set, are deleted in small batches, so quarantine cannot fill the disk. Events
// still waiting to be processed are never deleted.
const BATCH = 500
const EVERY = "1 hour"

export class Retention extends Context.Service<
  Retention,
  { /** One pass; returns how many events it deleted. */ readonly runOnce: Effect.Effect<number> }
>()("eventhook/processing/Retention") {
  static readonly layer = Layer.effect(
    Retention,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const events = yield* EventRepo
      const runOnce = Effect.gen(function* () {
        let deleted = 0
        const count = (olderThanDays: number, onlyRejected: boolean) =>
          events.deleteOlderThan({ olderThanDays, onlyRejected, batch: BATCH }).pipe(
            Effect.tap((n) => Effect.sync(() => (deleted += n))),
            Effect.repeat({ until: (n) => n < BATCH })
          )
        yield* count(config.rejectedRetentionDays, true)
        if (Option.isSome(config.retentionDays)) yield* count(config.retentionDays.value, false)
        if (deleted > 0) yield* Effect.logInfo(`retention deleted ${deleted} events`)
        return deleted
      }).pipe(Effect.withSpan("Retention.runOnce"))
      return Retention.of({ runOnce })
    })
  )

  /** Runs a pass at start and then every hour, in the background of the service. */
  static readonly background = Layer.effectDiscard(
    Effect.flatMap(Retention, (retention) =>
      retention.runOnce.pipe(
        Effect.catchCause((cause) => Effect.logWarning("retention pass failed", cause)),
        Effect.repeat(Schedule.spaced(EVERY)),
        Effect.forkScoped
      )
    )
  )
}
