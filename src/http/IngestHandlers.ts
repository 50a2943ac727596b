import { ByteSize, Cause, Effect, Exit, Option, Schema, Semaphore } from "effect"
import { HttpIncomingMessage, HttpServerError, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AppConfig } from "../config/AppConfig.ts"
import { type IngestError, PayloadTooLarge } from "../domain/errors.ts"
import { Ingest } from "../ingest/Ingest.ts"
import { normalizeSourceIp } from "../ingest/sourceIp.ts"
import { INGEST_ROUTE, type IngestOutcome, recordIngest } from "../metrics/metrics.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { EventhookApi } from "./Api.ts"
import { ingestErrorResponse } from "./errorResponses.ts"

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

export const IngestHandlers = HttpApiBuilder.group(
  EventhookApi,
  "ingest",
  Effect.fn(function* (handlers) {
    // Services are taken here, once, not per request (EFFECT4.md trap 3).
    const ingest = yield* Ingest
    const config = yield* AppConfig
    const bodyBudget = yield* Semaphore.make(Math.max(IN_FLIGHT_BODY_BYTES, config.maxBodyBytes))
    return handlers.handle(
      "ingest",
      ({ params, request }) => {
        const started = performance.now()
        let outcome: IngestOutcome = "error"
        const handled = Effect.gen(function* () {
          if (Number(request.headers["content-length"] ?? 0) > config.maxBodyBytes)
            return yield* new PayloadTooLarge({ limitBytes: config.maxBodyBytes })
          return yield* Effect.gen(function* () {
            const body = yield* readBody(request, config.maxBodyBytes)
            const accepted = yield* ingest.receive({
              tenantSlug: params.tenant_slug,
              sourceSlug: params.source_slug,
              body,
              headers: request.headers,
              pathAndQuery: request.url,
              sourceIp: normalizeSourceIp(Option.getOrNull(request.remoteAddress))
            })
            // The hot path answers its fixed shapes directly (they are the `success` schemas above, which the
            // OpenAPI document describes), sparing a schema encode of the union per request.
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
                return accepted.answer
            }
          }).pipe(Semaphore.withPermits(bodyBudget, reservation(request, config.maxBodyBytes)))
        }).pipe(
          // 429 carries a Retry-After computed from the source's bucket, so it is answered here in full.
          Effect.catchTag("RateLimited", (error) => {
            outcome = "rate_limited"
            return Effect.succeed(
              HttpServerResponse.jsonUnsafe(
                { error: "rate_limited", message: ingestErrorResponse(error).message },
                { status: 429, headers: { "retry-after": String(error.retryAfterSeconds) } }
              )
            )
          }),
          // Nobody is left to read this answer; it is sent for the record.
          Effect.catchTag("BodyIncomplete", () =>
            Effect.succeed(
              HttpServerResponse.jsonUnsafe(
                { error: "invalid_request", message: "the body was not received completely" },
                { status: 400 }
              )
            )
          ),
          Effect.onExit((exit) => {
            const measured = measuredOutcome(exit, outcome)
            return recordIngest({
              ...measured,
              source: `${params.tenant_slug}/${params.source_slug}`,
              seconds: (performance.now() - started) / 1000,
              sourceLabel: config.metricsSourceLabel
            })
          }),
          // A defect (the database away, say) is answered by ContractErrors, for every route alike.
          Effect.mapError(ingestErrorResponse)
        )
        // Traced only when tracing is on: the hot path stays untraced otherwise (README "Fast path").
        return config.tracing
          ? handled.pipe(
              Effect.withSpan("eventhook.ingest", {
                kind: "server",
                attributes: {
                  "http.request.method": "POST",
                  "http.route": INGEST_ROUTE,
                  "eventhook.source": `${params.tenant_slug}/${params.source_slug}`
                }
              })
            )
          : handled
      },
      // A request that has started is answered, even while the server shuts down.
      { uninterruptible: true }
    )
  })
)
