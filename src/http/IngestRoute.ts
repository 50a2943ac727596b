import { ByteSize, Cause, Effect, Exit, Layer, Option, Schema, Semaphore } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerError,
  type HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import { type IngestError, PayloadTooLarge } from "../domain/errors.ts"
import { Ingest } from "../ingest/Ingest.ts"
import { normalizeSourceIp } from "../ingest/sourceIp.ts"
import { INGEST_ROUTE, type IngestOutcome, recordIngest } from "../metrics/metrics.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { INGEST_PATH } from "./Api.ts"
import { ingestErrorResponse } from "./errorResponses.ts"

// The ingest endpoint is a plain router route, not an HttpApi handler: the HttpApi layer cost a third of the
// service's CPU per webhook (issue 22: 0.13 of 0.39 ms), and this endpoint decodes nothing a schema could — its body
// is raw bytes, its answers are fixed shapes. `EventhookApi` still declares it, so the OpenAPI document and the
// typed clients describe it exactly as it answers.

/** Why reading the body failed: over the limit, or the client stopped sending (reset, closed, timed out). */
const bodyFailure = (error: unknown): "BodyTooLarge" | "Incomplete" | null =>
  error instanceof HttpServerError.HttpServerError && error.reason._tag === "RequestParseError"
    ? error.reason.reason === "BodyTooLarge"
      ? "BodyTooLarge"
      : "Incomplete"
    : null

/** The client went away before its body was complete: normal on the internet, and nothing was stored. */
class BodyIncomplete extends Schema.TaggedError<BodyIncomplete>()("BodyIncomplete", {}) {}

/**
 * The body exactly as received, read once; a body that passes the limit while it streams in (chunked) is cut
 * off as a 413 and nothing is stored. A declared Content-Length over the limit is refused before this, unread.
 */
const readBody = (request: HttpServerRequest.HttpServerRequest, maxBodyBytes: number) =>
  request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.catch((error): Effect.Effect<never, PayloadTooLarge | BodyIncomplete> => {
      const failure = bodyFailure(error)
      if (failure === "BodyTooLarge") return Effect.fail(new PayloadTooLarge({ limitBytes: maxBodyBytes }))
      if (failure === "Incomplete")
        return Effect.andThen(
          Effect.logDebug("ingest: the client went away before its body was complete"),
          Effect.fail(new BodyIncomplete())
        )
      return Effect.die(error)
    })
  )

/**
 * Request bodies held in memory at once, with what is parsed from them: a bound by design, so a burst of large
 * bodies waits instead of exhausting the heap (the service runs with a capped heap, see package.json `start`).
 */
export const IN_FLIGHT_BODY_BYTES = 32 * 1024 * 1024

/** The bytes a request reserves: its declared length, or the limit when it does not declare one (chunked). */
const reservation = (request: HttpServerRequest.HttpServerRequest, maxBodyBytes: number) => {
  const declared = Number(request.headers["content-length"])
  return Number.isInteger(declared) && declared >= 0 && declared <= maxBodyBytes ? Math.max(declared, 1) : maxBodyBytes
}

/** How a request ended, for the metrics: its outcome, HTTP status and (rejected) reason. */
const measuredOutcome = (
  exit: Exit.Exit<unknown, IngestError | BodyIncomplete>,
  answered: IngestOutcome
): { readonly outcome: IngestOutcome; readonly status: number; readonly rejection?: string } => {
  if (Exit.isSuccess(exit))
    return {
      outcome: answered,
      status: HttpServerResponse.isHttpServerResponse(exit.value) ? exit.value.status : 200
    }
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure))
    return causeIsDatabaseUnavailable(exit.cause) || Cause.hasDies(exit.cause)
      ? {
          outcome: causeIsDatabaseUnavailable(exit.cause) ? "unavailable" : "error",
          status: causeIsDatabaseUnavailable(exit.cause) ? 503 : 500
        }
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

const answerOf = (error: IngestError) => {
  const { status, ...body } = ingestErrorResponse(error)
  return HttpServerResponse.jsonUnsafe(body, { status })
}

export const IngestRoute = Layer.unwrap(
  Effect.gen(function* () {
    // Services are taken here, once, not per request (EFFECT4.md trap 3).
    const ingest = yield* Ingest
    const config = yield* AppConfig
    const bodyBudget = yield* Semaphore.make(Math.max(IN_FLIGHT_BODY_BYTES, config.maxBodyBytes))
    const handle = (request: HttpServerRequest.HttpServerRequest, tenantSlug: string, sourceSlug: string) => {
      const started = performance.now()
      let outcome: IngestOutcome = "error"
      const handled = Effect.gen(function* () {
        if (Number(request.headers["content-length"] ?? 0) > config.maxBodyBytes)
          return yield* new PayloadTooLarge({ limitBytes: config.maxBodyBytes })
        return yield* Effect.gen(function* () {
          const body = yield* readBody(request, config.maxBodyBytes)
          const accepted = yield* ingest.receive({
            tenantSlug,
            sourceSlug,
            body,
            headers: request.headers,
            pathAndQuery: request.url,
            sourceIp: normalizeSourceIp(Option.getOrNull(request.remoteAddress))
          })
          // The answers' fixed shapes are the `success` schemas of Api.ts, which the OpenAPI document describes.
          switch (accepted.status) {
            case "pending":
              outcome = "accepted"
              return HttpServerResponse.jsonUnsafe({ event_id: accepted.eventId, status: accepted.status })
            case "duplicate":
              outcome = "duplicate"
              return HttpServerResponse.jsonUnsafe({
                event_id: accepted.eventId,
                status: accepted.status,
                duplicate_of: accepted.duplicateOf
              })
            case "handshake":
              outcome = "handshake"
              return HttpServerResponse.jsonUnsafe(accepted.answer)
          }
        }).pipe(Semaphore.withPermits(bodyBudget, reservation(request, config.maxBodyBytes)))
      }).pipe(
        Effect.onExit((exit) => {
          const measured = measuredOutcome(exit, outcome)
          return recordIngest({
            ...measured,
            source: `${tenantSlug}/${sourceSlug}`,
            seconds: (performance.now() - started) / 1000,
            sourceLabel: config.metricsSourceLabel
          })
        }),
        Effect.catchTags({
          // 429 carries a Retry-After computed from the source's bucket.
          RateLimited: (error) =>
            Effect.succeed(
              HttpServerResponse.setHeader(answerOf(error), "retry-after", String(error.retryAfterSeconds))
            ),
          // Nobody is left to read this answer; it is sent for the record.
          BodyIncomplete: () =>
            Effect.succeed(
              HttpServerResponse.jsonUnsafe(
                { error: "invalid_request", message: "the body was not received completely" },
                { status: 400 }
              )
            ),
          SourceNotFound: (error) => Effect.succeed(answerOf(error)),
          RequestRejected: (error) => Effect.succeed(answerOf(error)),
          InvalidPayload: (error) => Effect.succeed(answerOf(error)),
          PayloadTooLarge: (error) => Effect.succeed(answerOf(error))
        })
        // A defect (the database away, say) is answered by ContractErrors, for every route alike.
      )
      // Traced only when tracing is on: the hot path stays untraced otherwise (README "Fast path").
      return config.tracing
        ? handled.pipe(
            Effect.withSpan("eventhook.ingest", {
              kind: "server",
              attributes: {
                "http.request.method": "POST",
                "http.route": INGEST_ROUTE,
                "eventhook.source": `${tenantSlug}/${sourceSlug}`
              }
            })
          )
        : handled
    }
    return HttpRouter.add(
      "POST",
      INGEST_PATH,
      (request) =>
        Effect.flatMap(HttpRouter.params, (params) =>
          handle(request, params.tenant_slug ?? "", params.source_slug ?? "")
        ),
      // A request that has started is answered, even while the server shuts down.
      { uninterruptible: true }
    )
  })
)
