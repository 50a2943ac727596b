import { Effect, Match } from "effect"
import type { IngestError } from "../domain/errors.ts"
import { isDatabaseUnavailable } from "../store/unavailable.ts"
import {
  InternalResponse,
  InvalidPayloadResponse,
  NotFoundResponse,
  PayloadTooLargeResponse,
  RateLimitedResponse,
  UnavailableResponse,
  VerificationFailedResponse
} from "./ApiErrors.ts"

/** The one mapping of ingest errors to responses; a new error that is not mapped here does not compile. */
export const ingestErrorResponse = Match.type<IngestError>().pipe(
  Match.tagsExhaustive({
    SourceNotFound: () => new NotFoundResponse({ error: "not_found", message: "no such source" }),
    // The reason code helps a sender fix its signing; the detail stays in the event row for the operator.
    RequestRejected: (error) =>
      new VerificationFailedResponse({ error: "verification_failed", message: `verification failed: ${error.reason}` }),
    InvalidPayload: (error) => new InvalidPayloadResponse({ error: "invalid_payload", message: error.reason }),
    RateLimited: (error) =>
      new RateLimitedResponse({
        error: "rate_limited",
        message: `too many requests for this source; retry in ${error.retryAfterSeconds}s`
      }),
    PayloadTooLarge: (error) =>
      new PayloadTooLargeResponse({
        error: "payload_too_large",
        message: `the body is larger than ${error.limitBytes} bytes`
      })
  })
)

/** Answers a defect as `defectResponse` says, logging it: a warning for 503, the defect itself for 500. */
export const failWithDefectResponse = (surface: string) => (defect: unknown) => {
  const response = defectResponse(defect)
  const log =
    response.error === "unavailable"
      ? Effect.logWarning(`${surface} answered 503: the database is unavailable`)
      : Effect.logError(`${surface} failed`, defect)
  return Effect.andThen(log, Effect.fail(response))
}

/**
 * A surprise from below: 503 when the database cannot be reached (a provider will retry), else 500. Neither
 * carries internals.
 */
export const defectResponse = (defect: unknown): UnavailableResponse | InternalResponse =>
  isDatabaseUnavailable(defect)
    ? new UnavailableResponse({ error: "unavailable", message: "the database is unavailable, retry later" })
    : new InternalResponse({ error: "internal", message: "internal error" })
