import { Context, DateTime, Effect, Layer, Queue } from "effect"
import type { EventForProcessing } from "../domain/Event.ts"
import type { EventId } from "../domain/ids.ts"
import type { Route } from "../domain/Route.ts"
import { EventActionRepo } from "../store/EventActionRepo.ts"
import { EventRepo } from "../store/EventRepo.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { executeRoute } from "../targets/executeRoute.ts"
import type { WorkflowLauncher } from "../targets/WorkflowLauncher.ts"
import { routeTiers } from "./matchRoutes.ts"

// First cut of the processor (issue 2): an in-process mailbox fed right after each commit, a few worker
// fibers, routes in priority tiers. Leases, the sweeper, retries and crash recovery are the processing
// engine's (issue 4); the seams are `submit` and `processEvent`.

const MAILBOX_CAPACITY = 10_000
const WORKERS = 4

export class Processor extends Context.Service<
  Processor,
  {
    /** Queues a committed event for processing; waits only when the mailbox is full (backpressure). */
    readonly submit: (eventId: EventId) => Effect.Effect<void>
  }
>()("eventhook/processing/Processor") {
  static readonly layer = Layer.effect(
    Processor,
    Effect.gen(function* () {
      const events = yield* EventRepo
      const routes = yield* RouteRepo
      const actions = yield* EventActionRepo
      const mailbox = yield* Effect.acquireRelease(Queue.bounded<EventId>(MAILBOX_CAPACITY), Queue.shutdown)

      const runRoute = Effect.fn("Processor.runRoute")(function* (route: Route, event: EventForProcessing) {
        const startedAt = yield* DateTime.now
        const outcome = yield* executeRoute(route, event)
        yield* actions.record({
          event_id: event.id,
          route_id: route.id,
          target_type: route.target_type,
          ...outcome,
          started_at: startedAt,
          completed_at: yield* DateTime.now
        })
        return outcome
      })

      const processEvent = Effect.fn("Processor.processEvent")(function* (eventId: EventId) {
        const claimed = yield* events.claim(eventId)
        if (claimed._tag === "None") return
        const event = claimed.value
        const tiers = routeTiers(yield* routes.listEnabled(event.source_id), event.event_type)
        if (tiers.length === 0) return yield* events.finish(event.id, "unrouted", null)
        const errors: Array<string> = []
        for (const tier of tiers) {
          const outcomes = yield* Effect.forEach(tier, (route) => runRoute(route, event), { concurrency: "unbounded" })
          outcomes.forEach((outcome, index) => {
            if (outcome.status === "failed") errors.push(`route ${tier[index]!.id}: ${outcome.error_message}`)
          })
        }
        yield* errors.length === 0
          ? events.finish(event.id, "delivered", null)
          : events.finish(event.id, "failed", errors.join("; "))
      })

      // An event being processed finishes before shutdown completes; what is still queued stays `pending`.
      const worker = Queue.take(mailbox).pipe(
        Effect.flatMap((eventId) =>
          processEvent(eventId).pipe(
            Effect.catchCause((cause) => Effect.logError("processing failed", cause)),
            Effect.annotateLogs({ event_id: eventId }),
            Effect.uninterruptible
          )
        ),
        Effect.forever
      )
      for (let i = 0; i < WORKERS; i++) yield* Effect.forkScoped(worker)

      return Processor.of({ submit: (eventId) => Queue.offer(mailbox, eventId).pipe(Effect.asVoid) })
    })
  )
}

export type ProcessorRequirements = EventRepo | RouteRepo | EventActionRepo | WorkflowLauncher
