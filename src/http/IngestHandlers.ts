import { ByteSize, Effect, Option } from "effect"
import { HttpIncomingMessage, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AppConfig } from "../config/AppConfig.ts"
import { PayloadTooLarge } from "../domain/errors.ts"
import { Ingest } from "../ingest/Ingest.ts"
import { normalizeSourceIp } from "../ingest/sourceIp.ts"
import { EventhookApi } from "./Api.ts"
import { defectResponse, ingestErrorResponse } from "./errorResponses.ts"

const isBodyTooLarge = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "reason" in error &&
  typeof error.reason === "object" &&
  error.reason !== null &&
  "reason" in error.reason &&
  error.reason.reason === "BodyTooLarge"

/**
 * The body exactly as received, read once; larger than the limit is a 413 and nothing is stored. A declared
 * Content-Length over the limit is refused before reading; a chunked body is cut off once it passes the limit.
 */
const readBody = (request: HttpServerRequest.HttpServerRequest, maxBodyBytes: number) =>
  Number(request.headers["content-length"] ?? 0) > maxBodyBytes
    ? Effect.fail(new PayloadTooLarge({ limitBytes: maxBodyBytes }))
    : request.arrayBuffer.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
        Effect.map((buffer) => new Uint8Array(buffer)),
        Effect.catch((error) =>
          isBodyTooLarge(error) ? Effect.fail(new PayloadTooLarge({ limitBytes: maxBodyBytes })) : Effect.die(error)
        )
      )

export const IngestHandlers = HttpApiBuilder.group(
  EventhookApi,
  "ingest",
  Effect.fn(function* (handlers) {
    // Services are taken here, once, not per request (EFFECT4.md trap 3).
    const ingest = yield* Ingest
    const config = yield* AppConfig
    return handlers.handle(
      "ingest",
      ({ params, request }) =>
        Effect.gen(function* () {
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
              return HttpServerResponse.jsonUnsafe({ event_id: accepted.eventId, status: accepted.status })
            case "duplicate":
              return HttpServerResponse.jsonUnsafe({
                event_id: accepted.eventId,
                status: accepted.status,
                duplicate_of: accepted.duplicateOf
              })
            case "handshake":
              return accepted.answer
          }
        }).pipe(
          // 429 carries a Retry-After computed from the source's bucket, so it is answered here in full.
          Effect.catchTag("RateLimited", (error) =>
            Effect.succeed(
              HttpServerResponse.jsonUnsafe(
                { error: "rate_limited", message: ingestErrorResponse(error).message },
                { status: 429, headers: { "retry-after": String(error.retryAfterSeconds) } }
              )
            )
          ),
          Effect.mapError(ingestErrorResponse),
          Effect.catchDefect((defect) => {
            const response = defectResponse(defect)
            const log =
              response.error === "unavailable"
                ? Effect.logWarning("ingest answered 503: the database is unavailable")
                : Effect.logError("ingest failed", defect)
            return Effect.andThen(log, Effect.fail(response))
          })
        ),
      // A request that has started is answered, even while the server shuts down.
      { uninterruptible: true }
    )
  })
)
