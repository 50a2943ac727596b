import { Context, Deferred, Effect, Layer, Option, Schedule, Stream } from "effect"
import type { EventId } from "../domain/ids.ts"
import type { InvalidRequestResponse, NotFoundResponse } from "../domain/operatorErrors.ts"
import { notFound } from "../domain/operatorErrors.ts"
import { EventReads, type StreamedEvent, type StreamFilter } from "../store/EventReads.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { type EventStreamQuery, isUuid } from "./inputs.ts"
import { TenantAdmin } from "./TenantAdmin.ts"
import { type StreamedEventView, streamedEventView } from "./views.ts"

// The event stream (issue 17, CONTRACT §8): a tenant's events as they are stored, for `eventhook listen` and the
// dashboard. It reads the table (every instance's events, no coordination needed), every POLL_MILLIS, from where
// it stands. An event is visible once its transaction commits, and commits may land a moment out of order of
// `received_at`, so each read looks OVERLAP back and skips what was already sent: nothing is missed. A stream
// resumed with Last-Event-ID goes on from that event, overlap included, so a client may see an event again after
// a reconnect: clients dedupe by the SSE id (`eventhook listen` does).

const POLL_MILLIS = 250
const OVERLAP_MILLIS = 2_000
const PAGE = 500

type AdminError = InvalidRequestResponse | NotFoundResponse

/**
 * Completed when the service begins to stop (null: nobody stops it, as in a host that composes the routes itself).
 * An open stream never ends on its own, so a server waiting for it would hold a shutdown for its whole grace
 * period: streams end at once instead, and clients resume with Last-Event-ID.
 */
export const StopSignal = Context.Reference<Deferred.Deferred<void> | null>("eventhook/admin/StopSignal", {
  defaultValue: () => null
})

/** A stop signal for the layers above this one. */
export const stopSignalLayer = Layer.effect(StopSignal, Deferred.make<void>())

/** Built after the server, so released before it when the service stops: fires the stop signal. */
export const fireStopSignalOnStop = Layer.effectDiscard(
  Effect.flatMap(StopSignal, (signal) =>
    signal === null ? Effect.void : Effect.addFinalizer(() => Deferred.succeed(signal, undefined))
  )
)

export class EventStream extends Context.Service<
  EventStream,
  {
    /** The tenant's events from now on (after `lastEventId`, or the last `replay` ones first), never ending. */
    readonly open: (
      tenant: string,
      query: EventStreamQuery,
      lastEventId: string | undefined
    ) => Effect.Effect<Stream.Stream<StreamedEventView>, AdminError>
  }
>()("eventhook/admin/EventStream") {
  static readonly layer = Layer.effect(
    EventStream,
    Effect.gen(function* () {
      const tenants = yield* TenantAdmin
      const sources = yield* SourceRepo
      const reads = yield* EventReads
      const stopSignal = yield* StopSignal

      const open = Effect.fn("EventStream.open")(function* (
        tenantSlug: string,
        query: EventStreamQuery,
        lastEventId: string | undefined
      ) {
        const tenant = yield* tenants.require(tenantSlug)
        let filter: StreamFilter = {}
        if (query.source !== undefined) {
          const source = yield* sources.findBySlug(tenant.id, query.source)
          if (Option.isNone(source))
            return yield* notFound(`source "${query.source}" not found in tenant "${tenant.slug}"`)
          filter = { sourceId: source.value.id }
        }
        const eventTypes = (query.event_types ?? "")
          .split(",")
          .map((type) => type.trim())
          .filter((type) => type !== "")
        if (eventTypes.length > 0) filter = { ...filter, eventTypes }

        const resumedAt =
          lastEventId !== undefined && isUuid(lastEventId)
            ? yield* reads.receivedAt(tenant.id, lastEventId as EventId)
            : Option.none()
        const replayed =
          Option.isNone(resumedAt) && (query.replay ?? 0) > 0
            ? yield* reads.latest(tenant.id, filter, query.replay ?? 0)
            : []
        // Where reading starts: the event resumed from, the last one replayed, or now. What was stored up to there
        // within the overlap counts as sent (the client has it, or did not ask for it).
        const from0 = Option.isSome(resumedAt)
          ? resumedAt.value.getTime()
          : replayed.length > 0
            ? replayed[replayed.length - 1]!.received_at.getTime()
            : (yield* reads.now).getTime()
        let from = from0
        const sent = new Map<EventId, number>()
        const before = yield* reads.streamPage(tenant.id, filter, {
          from: new Date(from0 - OVERLAP_MILLIS),
          skip: [],
          limit: 10 * PAGE
        })
        for (const event of before)
          if (event.received_at.getTime() <= from0) sent.set(event.id, event.received_at.getTime())
        for (const event of replayed) sent.set(event.id, event.received_at.getTime())

        const readNew: Effect.Effect<ReadonlyArray<StreamedEvent>> = Effect.gen(function* () {
          const found: Array<StreamedEvent> = []
          for (;;) {
            const floor = from - OVERLAP_MILLIS
            for (const [id, at] of sent) if (at < floor - OVERLAP_MILLIS) sent.delete(id)
            const page = yield* reads.streamPage(tenant.id, filter, {
              from: new Date(floor),
              skip: [...sent.keys()],
              limit: PAGE
            })
            for (const event of page) {
              sent.set(event.id, event.received_at.getTime())
              from = Math.max(from, event.received_at.getTime())
              found.push(event)
            }
            if (page.length < PAGE) return found
          }
        })

        const live = Stream.fromEffectSchedule(readNew, Schedule.spaced(POLL_MILLIS)).pipe(
          Stream.flatMap((events) => Stream.fromIterable(events))
        )
        return Stream.fromIterable(replayed).pipe(
          Stream.concat(live),
          Stream.map(streamedEventView),
          Stream.interruptWhen(stopSignal === null ? Effect.never : Deferred.await(stopSignal))
        )
      })

      return EventStream.of({ open })
    })
  )
}
