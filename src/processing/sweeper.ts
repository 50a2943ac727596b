import { Duration, Effect, Schedule } from "effect"
import type { EventForProcessing } from "../domain/Event.ts"
import type { EventQueue, Lease } from "../store/EventQueue.ts"

export interface SweepSettings {
  /** Events one sweep leases at most, of each kind (unleased, lease run out, retry due). */
  readonly batch: number
  /** A pending event this old is the sweeper's; younger ones are on their way through a mailbox. */
  readonly pendingGraceSeconds: number
  readonly idleMin: Duration.Input
  readonly idleMax: Duration.Input
}

/**
 * Forever: lease what no worker took (unleased `pending` events, leases of crashed instances run out, retries due)
 * and hand it to `dispatch`. Busy, it sweeps again at once; idle, it backs off exponentially up to `idleMax`, so an
 * idle instance costs a query every couple of seconds, not a busy loop. A failed sweep (the database away) is
 * logged and tried again.
 */
export const sweepForever = <R>(
  queue: EventQueue["Service"],
  lease: Lease,
  dispatch: (due: ReadonlyArray<EventForProcessing>) => Effect.Effect<void, never, R>,
  settings: SweepSettings
): Effect.Effect<never, never, R> => {
  const sweepOnce = queue
    .claimDue(lease, { limit: settings.batch, pendingGraceSeconds: settings.pendingGraceSeconds })
    .pipe(
      Effect.tap(dispatch),
      Effect.map((due) => due.length)
    )
  const idleMax = Duration.fromInputUnsafe(settings.idleMax)
  const idleBackoff = Schedule.exponential(settings.idleMin, 2).pipe(
    Schedule.modifyDelay((step) => Effect.succeed(Duration.min(step.duration, idleMax)))
  )
  return sweepOnce.pipe(
    Effect.catchCause((cause) => Effect.logWarning("sweep failed", cause).pipe(Effect.as(0))),
    Effect.repeat({ schedule: idleBackoff, while: (found) => found === 0 }),
    Effect.forever
  )
}
