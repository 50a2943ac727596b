import { Clock, Context, Effect, Layer, Option } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { type EventForProcessing, type NewEvent, newEventForProcessing } from "../domain/Event.ts"
import { InvalidPayload, RateLimited, RequestRejected, SourceNotFound } from "../domain/errors.ts"
import { EventId, newRowId } from "../domain/ids.ts"
import { publicIngestUrl } from "../domain/ingestUrl.ts"
import type { EnabledRoute } from "../domain/Route.ts"
import type { Source } from "../domain/Source.ts"
import { formatTraceParent } from "../domain/traceParent.ts"
import {
  applyUpdatesNow,
  ingestPhaseUpdate,
  processedAtIngestUpdates,
  recordIngestPhase,
  recordVerified,
  verifiedUpdate
} from "../metrics/metrics.ts"
import { IngestFirst } from "../processing/ingestFirst.ts"
import { Processor } from "../processing/Processor.ts"
import { processAtIngest, type ReferenceTargets } from "../processing/processAtIngest.ts"
import type { Lease } from "../store/EventQueue.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { TaskLauncher } from "../targets/TaskLauncher.ts"
import { type Launcher, WorkflowLauncher } from "../targets/WorkflowLauncher.ts"
import type { HandshakeAnswer } from "../verify/handshake.ts"
import { credentialHeaders } from "../verify/registry.ts"
import { EventWriter } from "./EventWriter.ts"
import { headersForStorage } from "./headers.ts"
import { type Inspection, inspectRequest } from "./inspectRequest.ts"
import { RateLimiter } from "./RateLimiter.ts"

export interface IncomingWebhook {
  readonly tenantSlug: string
  readonly sourceSlug: string
  /** Exactly the bytes received. */
  readonly body: Uint8Array
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The request target as received (path and query), for schemes that sign the URL. */
  readonly pathAndQuery: string
  readonly sourceIp: string | null
}

export type Accepted =
  | { readonly status: "pending"; readonly eventId: EventId }
  | { readonly status: "duplicate"; readonly eventId: EventId; readonly duplicateOf: EventId }
  /** A provider's endpoint check (Slack, Zoom): answered, neither stored nor routed. */
  | { readonly status: "handshake"; readonly answer: HandshakeAnswer }

/** Whether the host's launcher is the reference host's (PgHost), whose launches ingest may write itself. */
const isReference = (launcher: Option.Option<Launcher>) =>
  Option.isSome(launcher) && launcher.value.referenceTable !== undefined

/**
 * The ingest pipeline: lookup → rate limit → verify → parse → store → hand to processing (a verified handshake is answered
 * instead). Verification and parsing are
 * pure and run on the exact bytes in memory, so every request is stored with its outcome in one durable write:
 * accepted (`pending` or `duplicate`), `rejected` or `failed`. The caller answers only after that commit.
 */
export class Ingest extends Context.Service<
  Ingest,
  {
    readonly receive: (
      webhook: IncomingWebhook
    ) => Effect.Effect<Accepted, SourceNotFound | RateLimited | RequestRejected | InvalidPayload>
    /**
     * `receive`'s common case, decided without a fiber (issue 22): a source and its routes in memory, a request
     * that verifies and parses as an event, a token in its source's bucket. Then the write of the event, which
     * answers as `receive` would. Undefined for any other request, with nothing taken or recorded: `receive`
     * decides it then, as always. Only while tracing is off.
     */
    readonly receiveAcceptedNow: (webhook: IncomingWebhook) => Effect.Effect<Accepted> | undefined
  }
>()("eventhook/ingest/Ingest") {
  static readonly layer = Layer.effect(
    Ingest,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const sources = yield* SourceRepo
      const writer = yield* EventWriter
      // Bounded (EventWriter): a 503 after 10 s.
      const store = writer.write
      const processor = yield* Processor
      const publicUrl = Option.getOrNull(config.publicUrl)
      const limiter = yield* RateLimiter
      const routeRepo = yield* RouteRepo
      const ingestFirst = yield* IngestFirst
      const reference: ReferenceTargets = {
        workflow: isReference(yield* Effect.serviceOption(WorkflowLauncher)),
        task: isReference(yield* Effect.serviceOption(TaskLauncher))
      }
      // Traced, events are processed after the response, where their spans (per event, per action) are made.
      const atIngest = config.processAtIngest && !config.tracing && (reference.workflow || reference.task)
      // Metrics recorded outside an effect (the fast lane, the write's answer) use the services they were built with.
      const context = yield* Effect.context<never>()
      const limitsOf = (source: Source) => ({
        ratePerSecond: source.rate_limit_per_second ?? config.rateLimitPerSecond,
        burst: source.rate_limit_burst ?? config.rateLimitBurst
      })
      const baseOf = (source: Source, webhook: IncomingWebhook) => ({
        tenant_id: source.tenant_id,
        source_id: source.id,
        content_type: webhook.headers["content-type"] ?? null,
        raw_payload: webhook.body,
        headers: headersForStorage(webhook.headers, credentialHeaders(source)),
        max_retries: config.maxRetries,
        source_ip: webhook.sourceIp
      })
      const requestOf = (webhook: IncomingWebhook) => ({
        ...webhook,
        url: publicIngestUrl(publicUrl, webhook.pathAndQuery)
      })
      // Whether this event is processed by the statement that stores it (processAtIngest.ts). While ingest comes
      // first, storing stays as cheap as it can be: processing is held back anyway.
      const processesAtIngest = () => atIngest && !ingestFirst.comesFirst()

      /** The row of an event that verified and parsed, processed at ingest when `routes` are given. */
      const acceptedEvent = (
        source: Source,
        webhook: IncomingWebhook,
        inspection: Extract<Inspection, { _tag: "Accepted" }>,
        lease: Lease | null,
        traceParent: string | null,
        routes: ReadonlyArray<EnabledRoute> | null
      ) => {
        const id = EventId.make(newRowId())
        const accepted: NewEvent = {
          ...baseOf(source, webhook),
          ...inspection.interpreted,
          id,
          status: "pending",
          last_error: null,
          verified: true,
          verification_error: null,
          verified_secret_index: inspection.secretIndex,
          lease,
          trace_parent: traceParent
        }
        const forProcessing = newEventForProcessing(id, accepted, new Date())
        const event: NewEvent =
          routes === null ? accepted : { ...accepted, processed: processAtIngest(routes, forProcessing, reference) }
        return { event, forProcessing }
      }

      /** Stores an accepted event; after the commit, hands it to this instance's workers when it was leased. */
      const storeAccepted = (event: NewEvent, forProcessing: EventForProcessing): Effect.Effect<Accepted> => {
        const storeStarted = performance.now()
        const storing = config.tracing ? store(event).pipe(Effect.withSpan("eventhook.ingest.store")) : store(event)
        return Effect.flatMap(storing, (stored): Effect.Effect<Accepted> => {
          const storeSeconds = (performance.now() - storeStarted) / 1000
          const storePhase = ingestPhaseUpdate("store", storeSeconds)
          if (stored._tag === "Duplicate") {
            applyUpdatesNow(context, [storePhase])
            return Effect.succeed({ status: "duplicate", eventId: stored.id, duplicateOf: stored.duplicateOf })
          }
          const pending = { status: "pending", eventId: stored.id } satisfies Accepted
          if (stored.processed) {
            const { launches, status } = event.processed!
            applyUpdatesNow(context, [storePhase, ...processedAtIngestUpdates(launches, status, storeSeconds)])
            return Effect.succeed(pending)
          }
          applyUpdatesNow(context, [storePhase])
          // Unleased (the workers have enough waiting), it is left to a sweep.
          return event.lease == null
            ? Effect.succeed(pending)
            : Effect.as(processor.handOver({ ...forProcessing, id: stored.id }), pending)
        })
      }

      const receiveAcceptedNow = (webhook: IncomingWebhook): Effect.Effect<Accepted> | undefined => {
        if (config.tracing) return undefined
        const found = sources.findEnabledInMemory(webhook.tenantSlug, webhook.sourceSlug)
        if (found === undefined || Option.isNone(found)) return undefined
        const source = found.value
        const nowMs = Date.now()
        const verifyStarted = performance.now()
        const inspection = inspectRequest(source, requestOf(webhook), Math.floor(nowMs / 1000))
        if (inspection._tag !== "Accepted" || inspection.handshake !== null) return undefined
        const verifySeconds = (performance.now() - verifyStarted) / 1000
        const routes = processesAtIngest() ? routeRepo.listEnabledInMemory(source.id) : null
        if (routes === undefined) return undefined
        if (!limiter.take(source.id, limitsOf(source), nowMs).allowed) return undefined
        applyUpdatesNow(context, [
          ingestPhaseUpdate("verify", verifySeconds),
          verifiedUpdate(source.verifier_type ?? "none", inspection.secretIndex)
        ])
        const { event, forProcessing } = acceptedEvent(
          source,
          webhook,
          inspection,
          processor.leaseForNew(webhook.body.byteLength),
          null,
          routes
        )
        return storeAccepted(event, forProcessing)
      }

      // Untraced unless tracing is on (README "Fast path").
      const receive = Effect.fnUntraced(function* (webhook: IncomingWebhook) {
        // Bounded (SourceRepo): a 503 after 3 s without a connection.
        const found = yield* sources.findEnabled(webhook.tenantSlug, webhook.sourceSlug)
        if (found._tag === "None") {
          return yield* new SourceNotFound({ tenantSlug: webhook.tenantSlug, sourceSlug: webhook.sourceSlug })
        }
        const source = found.value
        const nowMs = yield* Clock.currentTimeMillis
        const token = limiter.take(source.id, limitsOf(source), nowMs)
        if (!token.allowed) return yield* new RateLimited({ retryAfterSeconds: token.retryAfterSeconds })
        const nowSeconds = Math.floor(nowMs / 1000)
        const base = baseOf(source, webhook)

        const request = requestOf(webhook)
        const verifyStarted = performance.now()
        const inspection = config.tracing
          ? yield* Effect.sync(() => inspectRequest(source, request, nowSeconds)).pipe(
              Effect.withSpan("eventhook.ingest.verify")
            )
          : inspectRequest(source, request, nowSeconds)
        yield* recordIngestPhase("verify", (performance.now() - verifyStarted) / 1000)
        if (inspection._tag === "Rejected") {
          const verificationError = inspection.failure.description
          const stored = yield* store({
            ...base,
            parsed_payload: null,
            event_type: null,
            idempotency_key: null,
            status: "rejected",
            last_error: null,
            verified: false,
            verification_error: verificationError,
            verified_secret_index: null
          })
          yield* Effect.logWarning("webhook rejected").pipe(
            Effect.annotateLogs({ event_id: stored.id, source_id: source.id, reason: inspection.failure.reason })
          )
          return yield* new RequestRejected({
            eventId: stored.id,
            reason: inspection.failure.reason,
            verificationError
          })
        }
        yield* recordVerified(source.verifier_type ?? "none", inspection.secretIndex)
        if (inspection._tag === "Invalid") {
          const stored = yield* store({
            ...base,
            parsed_payload: null,
            event_type: null,
            idempotency_key: null,
            status: "failed",
            last_error: `invalid_payload: ${inspection.reason}`,
            verified: true,
            verification_error: null,
            verified_secret_index: inspection.secretIndex
          })
          return yield* new InvalidPayload({ eventId: stored.id, reason: inspection.reason })
        }
        if (inspection.handshake !== null)
          return { status: "handshake", answer: inspection.handshake } satisfies Accepted

        const lease = processor.leaseForNew(webhook.body.byteLength)
        const requestSpan = config.tracing ? yield* Effect.option(Effect.currentSpan) : Option.none()
        const { event, forProcessing } = acceptedEvent(
          source,
          webhook,
          inspection,
          lease,
          Option.match(requestSpan, { onNone: () => null, onSome: formatTraceParent }),
          processesAtIngest() ? yield* routeRepo.listEnabled(source.id) : null
        )
        return yield* storeAccepted(event, forProcessing)
      })

      return Ingest.of({ receive, receiveAcceptedNow })
    })
  )
}
