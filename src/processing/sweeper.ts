import { Context, Duration, Effect, Layer, Schedule } from "effect"
import type { EventForProcessing } from "../domain/Event.ts"
import { EventQueue } from "../store/EventQueue.ts"
import { LeaseHolder } from "./leaseHolder.ts"

export interface SweepSettings {
  /** Events one sweep leases at most, of each kind (unleased, lease run out, retry due). */
  readonly batch: number
  /** A pending event this old is the sweeper's; younger ones are on their way through a mailbox. */
  readonly pendingGraceSeconds: number
  readonly idleMin: Duration.Input
  readonly idleMax: Duration.Input
}

/**
 * Leases what no worker took (unleased `pending` events, leases of crashed instances run out, retries due) under
 * this instance's lease, and hands it to the processor.
 */
export class Sweeper extends Context.Service<
  Sweeper,
  {
    /**
     * Forever: sweep and hand what was found to `dispatch`. Busy, it sweeps again at once; idle, it backs off
     * exponentially up to `idleMax`, so an idle instance costs a query every couple of seconds, not a busy loop. A
     * failed sweep (the database away) is logged and tried again.
     */
    readonly sweepForever: <R>(
      dispatch: (due: ReadonlyArray<EventForProcessing>) => Effect.Effect<void, never, R>
    ) => Effect.Effect<never, never, R>
  }
>()("eventhook/processing/Sweeper") {
  static readonly layer = (settings: SweepSettings) =>
    Layer.effect(
      Sweeper,
      Effect.gen(function* () {
        const queue = yield* EventQueue
        const { lease } = yield* LeaseHolder
        const idleMax = Duration.fromInputUnsafe(settings.idleMax)
        const idleBackoff = Schedule.exponential(settings.idleMin, 2).pipe(
          Schedule.modifyDelay((step) => Effect.succeed(Duration.min(step.duration, idleMax)))
        )
        return Sweeper.of({
          sweepForever: (dispatch) =>
            queue.claimDue(lease, { limit: settings.batch, pendingGraceSeconds: settings.pendingGraceSeconds }).pipe(
              Effect.tap(dispatch),
              Effect.map((due) => due.length),
              Effect.catchCause((cause) => Effect.logWarning("sweep failed", cause).pipe(Effect.as(0))),
              Effect.repeat({ schedule: idleBackoff, while: (found) => found === 0 }),
              Effect.forever
            )
        })
      })
    )
}
