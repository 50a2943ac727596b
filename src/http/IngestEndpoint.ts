import { Cause, Context, Effect, Exit, Layer, Option, Schema, Semaphore } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { type IngestError, PayloadTooLarge } from "../domain/errors.ts"
import { type Accepted, Ingest } from "../ingest/Ingest.ts"
import { normalizeSourceIp } from "../ingest/sourceIp.ts"
import { applyUpdatesNow, INGEST_ROUTE, type IngestOutcome, ingestUpdates, recordIngest } from "../metrics/metrics.ts"
import { IngestFirst } from "../processing/ingestFirst.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { ingestErrorResponse } from "./errorResponses.ts"

// The ingest endpoint as HTTP sees it, whichever server carries it: the router route (IngestRoute.ts) or Node's
// listener (nodeIngestListener.ts). It reads the body within the in-flight budget, runs the pipeline, measures the
// request and answers every outcome the contract names; a defect (the database away, say) is left to the caller,
// which answers it as it answers every route's.

/** The client went away before its body was complete: normal on the internet, and nothing was stored. */
export class BodyIncomplete extends Schema.TaggedError<BodyIncomplete>()("BodyIncomplete", {}) {}

export interface IngestHttpRequest {
  readonly tenantSlug: string
  readonly sourceSlug: string
  /** Lower-cased names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The request target as received (path and query). */
  readonly url: string
  readonly remoteAddress: string | null
  /** The body, exactly as received, cut off as a 413 once it passes `maxBytes`. */
  readonly readBody: (maxBytes: number) => Effect.Effect<Uint8Array, PayloadTooLarge | BodyIncomplete>
}

/** A JSON answer: the status, the body and any header beyond the content's. */
export interface IngestAnswer {
  readonly status: number
  readonly body: object
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * Request bodies held in memory at once, with what is parsed from them: a bound by design, so a burst of large
 * bodies waits instead of exhausting the heap (the service runs with a capped heap, see package.json `start`).
 */
export const IN_FLIGHT_BODY_BYTES = 32 * 1024 * 1024

/** The bytes a request reserves: its declared length, or the limit when it does not declare one (chunked). */
const reservation = (headers: IngestHttpRequest["headers"], maxBodyBytes: number) => {
  const declared = Number(headers["content-length"])
  return Number.isInteger(declared) && declared >= 0 && declared <= maxBodyBytes ? Math.max(declared, 1) : maxBodyBytes
}

/** How a request ended, for the metrics: its outcome, HTTP status and (rejected) reason. */
type Ended = { readonly outcome: IngestOutcome; readonly status: number; readonly rejection?: string }

/** How a request ended, from its exit (`answered`: the outcome of an answer made). */
const measuredOutcome = (
  exit: Exit.Exit<IngestAnswer, IngestError | BodyIncomplete>,
  answered: IngestOutcome
): Ended => {
  if (Exit.isSuccess(exit)) return { outcome: answered, status: exit.value.status }
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure))
    return causeIsDatabaseUnavailable(exit.cause)
      ? { outcome: "unavailable", status: 503 }
      : { outcome: "error", status: 500 }
  const error = failure.value
  switch (error._tag) {
    case "SourceNotFound":
      return { outcome: "not_found", status: 404 }
    case "RequestRejected":
      return { outcome: "rejected", status: 401, rejection: error.reason }
    case "InvalidPayload":
      return { outcome: "invalid_payload", status: 400 }
    case "PayloadTooLarge":
      return { outcome: "too_large", status: 413 }
    case "RateLimited":
      return { outcome: "rate_limited", status: 429 }
    case "BodyIncomplete":
      return { outcome: "error", status: 400 }
  }
}

const errorAnswer = (error: IngestError): IngestAnswer => {
  const { status, ...body } = ingestErrorResponse(error)
  return { status, body }
}

/** A request whose body was read already (the Node listener's fast lane). */
export interface ReceivedIngestRequest extends Omit<IngestHttpRequest, "readBody"> {
  readonly body: Uint8Array
}

/** The answer to a stored event or a handshake; the shapes are the `success` schemas of Api.ts (OpenAPI). */
const acceptedAnswer = (accepted: Accepted, measured: { outcome: IngestOutcome }): IngestAnswer => {
  switch (accepted.status) {
    case "pending":
      measured.outcome = "accepted"
      return { status: 200, body: { event_id: accepted.eventId, status: accepted.status } }
    case "duplicate":
      measured.outcome = "duplicate"
      return {
        status: 200,
        body: { event_id: accepted.eventId, status: accepted.status, duplicate_of: accepted.duplicateOf }
      }
    case "handshake":
      measured.outcome = "handshake"
      return { status: 200, body: accepted.answer }
  }
}

export class IngestEndpoint extends Context.Service<
  IngestEndpoint,
  {
    /** Fails only with defects (the database unavailable, a bug); every other outcome is an answer. */
    readonly answer: (request: IngestHttpRequest) => Effect.Effect<IngestAnswer>
    /**
     * `answer` for a request whose body is in hand, where Ingest's `receiveAcceptedNow` decides it without a
     * fiber (issue 22): the write to run, and the answer to its exit, made and measured outside any fiber (none
     * for a defect: that is answered as `answer`'s caller answers one). Undefined otherwise, with nothing done:
     * then `answer` it.
     */
    readonly answerReceived: (request: ReceivedIngestRequest) =>
      | {
          readonly storing: Effect.Effect<Accepted>
          readonly answered: (exit: Exit.Exit<Accepted>) => IngestAnswer | undefined
        }
      | undefined
  }
>()("eventhook/http/IngestEndpoint") {
  static readonly layer = Layer.effect(
    IngestEndpoint,
    Effect.gen(function* () {
      // Services are taken here, once, not per request (EFFECT4.md trap 3).
      const ingest = yield* Ingest
      const config = yield* AppConfig
      const ingestFirst = yield* IngestFirst
      // Metrics recorded outside an effect (answerReceived's answers) use the services they were built with.
      const context = yield* Effect.context<never>()
      const bodyBudget = yield* Semaphore.make(Math.max(IN_FLIGHT_BODY_BYTES, config.maxBodyBytes))

      // The generator functions are made once, here (issue 22). One made per request — an `Effect.gen` inside
      // `answer` — kept what the request's generator captured alive through young collections into the old
      // generation, to be freed by full collections only (in plain Node too: a generator function made per call
      // has what it captures promoted, one made once does not).
      const receiveBody = Effect.fnUntraced(function* (
        request: IngestHttpRequest,
        measured: { outcome: IngestOutcome }
      ) {
        const body = yield* request.readBody(config.maxBodyBytes)
        const accepted = yield* ingest.receive({
          tenantSlug: request.tenantSlug,
          sourceSlug: request.sourceSlug,
          body,
          headers: request.headers,
          pathAndQuery: request.url,
          sourceIp: normalizeSourceIp(request.remoteAddress)
        })
        return acceptedAnswer(accepted, measured)
      })
      const admitted = Effect.fnUntraced(function* (request: IngestHttpRequest, measured: { outcome: IngestOutcome }) {
        ingestFirst.requestStarted()
        // A declared length over the limit is refused before anything is read.
        if (Number(request.headers["content-length"] ?? 0) > config.maxBodyBytes)
          return yield* new PayloadTooLarge({ limitBytes: config.maxBodyBytes })
        return yield* receiveBody(request, measured).pipe(
          Semaphore.withPermits(bodyBudget, reservation(request.headers, config.maxBodyBytes))
        )
      })

      /** A finished request's metrics: how it ended, its source, and its time since `started`. */
      const measurement = (ended: Ended, source: string, started: number) => ({
        ...ended,
        source,
        seconds: (performance.now() - started) / 1000,
        sourceLabel: config.metricsSourceLabel
      })

      const answerReceived = (request: ReceivedIngestRequest) => {
        const started = performance.now()
        const storing = ingest.receiveAcceptedNow({
          tenantSlug: request.tenantSlug,
          sourceSlug: request.sourceSlug,
          body: request.body,
          headers: request.headers,
          pathAndQuery: request.url,
          sourceIp: normalizeSourceIp(request.remoteAddress)
        })
        if (storing === undefined) return undefined
        ingestFirst.requestStarted()
        const measure = (ended: Ended) =>
          applyUpdatesNow(
            context,
            ingestUpdates(measurement(ended, `${request.tenantSlug}/${request.sourceSlug}`, started))
          )
        const answered = (exit: Exit.Exit<Accepted>) => {
          ingestFirst.requestEnded()
          if (Exit.isFailure(exit)) {
            measure(measuredOutcome(Exit.failCause(exit.cause), "error"))
            return undefined
          }
          const measured: { outcome: IngestOutcome } = { outcome: "error" }
          const answer = acceptedAnswer(exit.value, measured)
          measure({ outcome: measured.outcome, status: answer.status })
          return answer
        }
        return { storing, answered }
      }

      const answer = (request: IngestHttpRequest): Effect.Effect<IngestAnswer> => {
        const started = performance.now()
        const measured: { outcome: IngestOutcome } = { outcome: "error" }
        const source = `${request.tenantSlug}/${request.sourceSlug}`
        const answered = admitted(request, measured).pipe(
          Effect.onExit((exit) => {
            ingestFirst.requestEnded()
            return recordIngest(measurement(measuredOutcome(exit, measured.outcome), source, started))
          }),
          Effect.catchTags({
            // 429 carries a Retry-After computed from the source's bucket.
            RateLimited: (error) =>
              Effect.succeed({
                ...errorAnswer(error),
                headers: { "retry-after": String(error.retryAfterSeconds) }
              }),
            // Nobody is left to read this answer; it is sent for the record.
            BodyIncomplete: () =>
              Effect.as(Effect.logDebug("ingest: the client went away before its body was complete"), {
                status: 400,
                body: { error: "invalid_request", message: "the body was not received completely" }
              }),
            SourceNotFound: (error) => Effect.succeed(errorAnswer(error)),
            RequestRejected: (error) => Effect.succeed(errorAnswer(error)),
            InvalidPayload: (error) => Effect.succeed(errorAnswer(error)),
            PayloadTooLarge: (error) => Effect.succeed(errorAnswer(error))
          })
        )
        // Traced only when tracing is on: the hot path stays untraced otherwise (README "Fast path").
        return config.tracing
          ? answered.pipe(
              Effect.withSpan("eventhook.ingest", {
                kind: "server",
                attributes: { "http.request.method": "POST", "http.route": INGEST_ROUTE, "eventhook.source": source }
              })
            )
          : answered
      }
      return IngestEndpoint.of({ answer, answerReceived })
    })
  )
}
