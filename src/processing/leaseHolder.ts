import { Context, Duration, Effect, Layer, Schedule } from "effect"
import type { EventId } from "../domain/ids.ts"
import { EventQueue, type Lease } from "../store/EventQueue.ts"

/**
 * The lease bookkeeping of one instance, with its two background loops and its finalizer:
 * - the events in hand have their leases renewed together every lease/3, so slow tiers and events waiting their
 *   turn in memory never pass to another instance; a crashed instance stops renewing and its leases run out;
 * - events whose processing stopped because the database went away are handed back (`pending`, unleased) as soon
 *   as it answers again, rather than a minute later when their leases would run out (issue 15);
 * - whatever is still held when the instance stops goes back to `pending` for another worker.
 */
export class LeaseHolder extends Context.Service<
  LeaseHolder,
  {
    readonly lease: Lease
    /** The event is in this instance's hands (waiting in memory, or being processed): its lease is renewed. */
    readonly hold: (id: EventId) => void
    /** The event is no longer in hand (finished, or left to its lease). */
    readonly drop: (id: EventId) => void
    /** Processing stopped because the database went away: hand the event back as soon as it answers again. */
    readonly handBackLater: (id: EventId) => void
  }
>()("eventhook/processing/LeaseHolder") {
  static readonly layer = (leaseSeconds: number) =>
    Layer.effect(
      LeaseHolder,
      Effect.gen(function* () {
        const queue = yield* EventQueue
        const lease: Lease = { holder: `eventhook-${crypto.randomUUID()}`, seconds: leaseSeconds }
        const held = new Set<EventId>()
        const toHandBack = new Set<EventId>()

        yield* Effect.addFinalizer(() =>
          queue.releaseAll(lease.holder).pipe(
            Effect.tap((released) =>
              released > 0 ? Effect.logInfo(`released ${released} leased events`) : Effect.void
            ),
            Effect.catchCause(() => Effect.void)
          )
        )
        const renewal = Effect.suspend(() =>
          held.size === 0 ? Effect.void : queue.renewLeases([...held], lease)
        ).pipe(
          Effect.catchCause((cause) => Effect.logWarning("lease renewal failed", cause)),
          Effect.repeat(Schedule.spaced(Duration.seconds(leaseSeconds / 3)))
        )
        const handBack = Effect.suspend(() => {
          if (toHandBack.size === 0) return Effect.void
          const ids = [...toHandBack]
          return queue.release(ids, lease.holder).pipe(
            Effect.tap((released) => {
              for (const id of ids) toHandBack.delete(id)
              return Effect.logInfo(`the database answers again: released ${released} events for a sweep`)
            })
          )
        }).pipe(
          Effect.catchCause(() => Effect.void),
          Effect.repeat(Schedule.spaced("250 millis"))
        )
        yield* Effect.forkScoped(renewal)
        yield* Effect.forkScoped(handBack)

        return LeaseHolder.of({
          lease,
          hold: (id) => {
            held.add(id)
          },
          drop: (id) => {
            held.delete(id)
          },
          handBackLater: (id) => {
            toHandBack.add(id)
          }
        })
      })
    )
}
