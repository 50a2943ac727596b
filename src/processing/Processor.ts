import { Context, DateTime, Duration, Effect, FiberSet, Layer, Queue, Semaphore, Tracer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { EventForProcessing } from "../domain/Event.ts"
import type { EventId } from "../domain/ids.ts"
import type { EnabledRoute } from "../domain/Route.ts"
import { parseTraceParent } from "../domain/traceParent.ts"
import * as Metrics from "../metrics/metrics.ts"
import { selectRoutes, tiersOf } from "../routing/matchRoutes.ts"
import { type CompletedAction, EventActionRepo } from "../store/EventActionRepo.ts"
import { EventQueue, type Lease } from "../store/EventQueue.ts"
import { groupCommit } from "../store/groupCommit.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { type ActionOutcome, actionTimeoutMs, executeRoute, failedOutcome } from "../targets/executeRoute.ts"
import { eventOutcome, type FailedRoute } from "./eventOutcome.ts"
import { IngestFirst } from "./ingestFirst.ts"
import { LeaseHolder } from "./leaseHolder.ts"
import { defaultProcessorOptions, type ProcessorOptions } from "./processorOptions.ts"
import { Sweeper } from "./sweeper.ts"

export { defaultProcessorOptions, type ProcessorOptions } from "./processorOptions.ts"

// The event table is the queue (DESIGN.md). A new event is stored already leased to this instance and handed to
// its workers in memory right after the commit, so the normal path neither polls nor claims nor reads back.
// Events submitted by id (reprocess, re-verify) are leased first (`FOR UPDATE SKIP LOCKED` + `locked_until`), so
// several instances can share one database. A sweeper picks up what no worker took: unleased pending events (a
// full hand-off), expired leases (a crashed instance), and due retries, backing off while there is nothing to do.

const timedOut = (timeoutMs: number): ActionOutcome =>
  failedOutcome(`the target did not answer within ${Duration.format(Duration.millis(timeoutMs))}`, true)

export class Processor extends Context.Service<
  Processor,
  {
    /** Queues a committed event for processing; waits only when the mailbox is full (backpressure). */
    readonly submit: (eventId: EventId) => Effect.Effect<void>
    /**
     * The lease to store a new event (of a body of `bodyBytes`) under, so that it comes straight to this
     * instance's workers after its commit (`handOver`); null when enough such events wait already: store it
     * unleased, a sweep takes it.
     */
    readonly leaseForNew: (bodyBytes: number) => Lease | null
    /** A committed event stored under `leaseForNew`'s lease, given to the workers as it is. */
    readonly handOver: (event: EventForProcessing) => Effect.Effect<void>
  }
>()("eventhook/processing/Processor") {
  static readonly layerWith = (options: ProcessorOptions) =>
    Layer.effect(
      Processor,
      Effect.gen(function* () {
        const config = yield* AppConfig
        const events = yield* EventQueue
        const routes = yield* RouteRepo
        const actions = yield* EventActionRepo
        const leases = yield* LeaseHolder
        const sweeper = yield* Sweeper
        const ingestFirst = yield* IngestFirst
        const lease = leases.lease
        const mailbox = yield* Effect.acquireRelease(Queue.bounded<EventId>(options.mailboxCapacity), Queue.shutdown)
        const handedOver = yield* Effect.acquireRelease(Queue.unbounded<EventForProcessing>(), Queue.shutdown)
        const waiting = { events: 0, bytes: 0 }
        // Action records and finishes of concurrent events are written together (group commit); an event's last
        // tier is recorded with its finish, in one statement. Nobody but the event's own permit waits on a finish,
        // so a small batch lingers for more (README "Fast path"). An instance that dies between an action and its
        // record runs the action again on retry, and the target's idempotency key makes that a no-op.
        const writtenTogether = <I>(write: (batch: ReadonlyArray<I>) => Effect.Effect<void>) =>
          groupCommit({
            maxBatch: 128,
            concurrency: 2,
            linger: options.writeLinger,
            flush: (batch: ReadonlyArray<I>) =>
              Effect.as(
                write(batch),
                batch.map(() => undefined)
              )
          })
        const actionTimeoutDefaultMs = Duration.toMillis(Duration.fromInputUnsafe(options.actionTimeout))
        const recordAction = yield* writtenTogether(actions.recordMany)
        const finish = yield* writtenTogether(events.finishMany)

        // Hot path: untraced (README "Fast path").
        const runRoute = Effect.fnUntraced(function* (route: EnabledRoute, event: EventForProcessing) {
          const startedAt = yield* DateTime.now
          // A target that hangs must not hold the event (or a shutdown) forever: it fails, retryably.
          const timeoutMs = actionTimeoutMs(route, actionTimeoutDefaultMs)
          const executed = executeRoute(route, event).pipe(
            Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.succeed(timedOut(timeoutMs)) })
          )
          const outcome = yield* config.tracing
            ? executed.pipe(
                Effect.tap((done) => Effect.annotateCurrentSpan("eventhook.action.status", done.status)),
                Effect.withSpan("eventhook.action", {
                  attributes: { "eventhook.route_id": route.id, "eventhook.target_type": route.target_type }
                })
              )
            : executed
          const completedAt = yield* DateTime.now
          yield* Metrics.recordAction(
            route.target_type,
            outcome.status,
            (DateTime.toEpochMillis(completedAt) - DateTime.toEpochMillis(startedAt)) / 1000
          )
          const action: CompletedAction = {
            event_id: event.id,
            route_id: route.id,
            target_type: route.target_type,
            ...outcome,
            started_at: startedAt,
            completed_at: completedAt
          }
          return { outcome, action }
        })

        // A route whose filter could not decide is no match, and says why on an action of its own.
        const skippedAction = (route: EnabledRoute, event: EventForProcessing, reason: string) =>
          Effect.map(
            Effect.andThen(Metrics.recordSkippedAction(route.target_type), DateTime.now),
            (now): CompletedAction => ({
              event_id: event.id,
              route_id: route.id,
              target_type: route.target_type,
              status: "skipped",
              workflow_execution_id: null,
              task_execution_id: null,
              promise_id: null,
              error_message: reason,
              response_status: null,
              response_ms: null,
              response_body: null,
              started_at: now,
              completed_at: now
            })
          )

        /** Runs the event's matching routes tier by tier, skipping those that succeeded on an earlier attempt. */
        // Hot path: untraced (README "Fast path").
        const processLeased = Effect.fnUntraced(function* (event: EventForProcessing) {
          const selected = selectRoutes(yield* routes.listEnabled(event.source_id), event)
          const tiers = tiersOf(selected.matched)
          const skipped = yield* Effect.forEach(selected.skipped, ({ route, reason }) =>
            skippedAction(route, event, reason)
          )
          if (tiers.length === 0) {
            yield* Metrics.recordFinished("unrouted", false)
            return yield* finish({
              id: event.id,
              holder: lease.holder,
              outcome: { status: "unrouted" },
              actions: skipped
            })
          }
          const done = new Set(event.succeeded_route_ids)
          const failed: Array<FailedRoute> = []
          let lastTierActions: ReadonlyArray<CompletedAction> = []
          for (const [index, tier] of tiers.entries()) {
            const pending = tier.filter((route) => !done.has(route.id))
            const ran = yield* Effect.forEach(pending, (route) => runRoute(route, event), {
              concurrency: "unbounded"
            })
            const tierActions = ran.map((run) => run.action)
            if (index < tiers.length - 1)
              yield* Effect.forEach(tierActions, recordAction, { concurrency: "unbounded", discard: true })
            else lastTierActions = tierActions
            for (const [position, { outcome }] of ran.entries())
              if (outcome.status === "failed")
                failed.push({
                  routeId: pending[position]!.id,
                  error: `${outcome.error_message}`,
                  retryable: outcome.retryable,
                  retryAfterSeconds: outcome.retry_after_seconds
                })
          }
          const outcome = eventOutcome(failed, {
            baseSeconds: config.retryBaseSeconds,
            retriesDone: event.retry_count,
            maxRetries: event.max_retries
          })
          yield* Metrics.recordFinished(outcome.status, outcome.status === "failed" && outcome.retryInSeconds !== null)
          yield* finish({ id: event.id, holder: lease.holder, outcome, actions: [...lastTierActions, ...skipped] })
        })

        // With tracing on, an event's processing is a trace of its own, linked to the request that stored it
        // (its traceparent is stored with it, so the link holds after a restart or on another instance).
        const traced = (event: EventForProcessing) => {
          if (!config.tracing) return processLeased(event)
          const parent = parseTraceParent(event.trace_parent)
          return processLeased(event).pipe(
            Effect.withSpan("eventhook.process", {
              root: true,
              attributes: { "eventhook.event_id": event.id, "eventhook.retry": event.retry_count },
              links:
                parent === null
                  ? []
                  : [{ span: Tracer.externalSpan(parent), attributes: { "eventhook.link": "stored by" } }]
            })
          )
        }

        // An event that has started finishes, even while the service stops.
        const guarded = (event: EventForProcessing) =>
          traced(event).pipe(
            Effect.catchCause((cause) =>
              causeIsDatabaseUnavailable(cause)
                ? Effect.sync(() => leases.handBackLater(event.id)).pipe(
                    Effect.andThen(
                      Effect.logWarning("processing stopped: the database is unavailable; released once it answers")
                    )
                  )
                : Effect.logError("processing failed; the lease will expire", cause)
            ),
            Effect.annotateLogs({ event_id: event.id }),
            Effect.uninterruptible
          )

        // Leased events run in the background, at most maxInFlight (and maxInFlightBytes of bodies) at once; a
        // leased event waiting for its turn holds its lease, and the next batch is leased while earlier ones run.
        const permits = yield* Semaphore.make(options.maxInFlight)
        const bytePermits = yield* Semaphore.make(options.maxInFlightBytes)
        const running = yield* FiberSet.make()
        const weightOf = (event: EventForProcessing) =>
          Math.min(Math.max(event.body_bytes, 1), options.maxInFlightBytes)
        const release = (event: EventForProcessing) =>
          Effect.sync(() => leases.drop(event.id)).pipe(
            Effect.andThen(Semaphore.release(bytePermits, weightOf(event))),
            Effect.andThen(Semaphore.release(permits, 1))
          )
        const dispatch = (claimed: ReadonlyArray<EventForProcessing>) =>
          Effect.forEach(
            claimed,
            (event) =>
              Effect.sync(() => leases.hold(event.id)).pipe(
                Effect.andThen(ingestFirst.admit(event.received_at)),
                Effect.andThen(Semaphore.take(permits, 1)),
                Effect.andThen(Semaphore.take(bytePermits, weightOf(event))),
                Effect.andThen(FiberSet.run(running, Effect.ensuring(guarded(event), release(event))))
              ),
            { discard: true }
          )

        // A worker takes whatever the mailbox holds (up to claimBatch) and leases it in one statement.
        const worker = Queue.takeBetween(mailbox, 1, options.claimBatch).pipe(
          Effect.flatMap((eventIds) => events.claimMany(eventIds, lease)),
          Effect.flatMap(dispatch),
          Effect.catchCause((cause) => Effect.logError("worker step failed", cause)),
          Effect.forever
        )

        const handedOverWorker = Queue.takeBetween(handedOver, 1, options.claimBatch).pipe(
          Effect.map((taken) =>
            taken.map((event) => {
              waiting.events--
              waiting.bytes -= event.body_bytes
              return event
            })
          ),
          Effect.flatMap(dispatch),
          Effect.catchCause((cause) => Effect.logError("worker step failed", cause)),
          Effect.forever
        )

        for (let i = 0; i < options.workers; i++) yield* Effect.forkScoped(worker)
        yield* Effect.forkScoped(handedOverWorker)
        yield* Effect.forkScoped(sweeper.sweepForever(dispatch))

        return Processor.of({
          submit: (eventId) => Queue.offer(mailbox, eventId).pipe(Effect.asVoid),
          leaseForNew: (bodyBytes) =>
            waiting.events < options.maxLeasedWaiting && waiting.bytes + bodyBytes <= options.maxLeasedWaitingBytes
              ? lease
              : null,
          handOver: (event) =>
            Effect.suspend(() => {
              leases.hold(event.id)
              waiting.events++
              waiting.bytes += event.body_bytes
              return Queue.offer(handedOver, event)
            }).pipe(Effect.asVoid)
        })
      })
    ).pipe(
      Layer.provide(
        Sweeper.layer({
          batch: options.sweepBatch,
          pendingGraceSeconds: options.pendingGraceSeconds,
          idleMin: options.sweepIdleMin,
          idleMax: options.sweepIdleMax
        }).pipe(Layer.provideMerge(LeaseHolder.layer(options.leaseSeconds)))
      )
    )

  static readonly layer = Processor.layerWith(defaultProcessorOptions)

  /**
   * For tools that change events but do not process them (the CLI): a submitted event stays `pending`, and a
   * running service's sweeper claims it on its next sweep.
   */
  static readonly handOff = Layer.succeed(
    Processor,
    Processor.of({ submit: () => Effect.void, leaseForNew: () => null, handOver: () => Effect.void })
  )
}
