import { Match } from "effect"
import type { IngestError } from "../domain/errors.ts"
import {
  InvalidPayloadResponse,
  NotFoundResponse,
  PayloadTooLargeResponse,
  RateLimitedResponse,
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
