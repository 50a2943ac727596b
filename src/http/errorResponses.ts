import { Match } from "effect"
import type { IngestError } from "../domain/errors.ts"

/** An ingest error as answered: its status and the contract's `{error, message}` body (ApiErrors.ts documents them). */
export interface IngestErrorAnswer {
  readonly status: number
  readonly error: string
  readonly message: string
}

/** The one mapping of ingest errors to responses; a new error that is not mapped here does not compile. */
export const ingestErrorResponse = Match.type<IngestError>().pipe(
  Match.tagsExhaustive({
    SourceNotFound: (): IngestErrorAnswer => ({ status: 404, error: "not_found", message: "no such source" }),
    // The reason code helps a sender fix its signing; the detail stays in the event row for the operator.
    RequestRejected: (error): IngestErrorAnswer => ({
      status: 401,
      error: "verification_failed",
      message: `verification failed: ${error.reason}`
    }),
    InvalidPayload: (error): IngestErrorAnswer => ({ status: 400, error: "invalid_payload", message: error.reason }),
    RateLimited: (error): IngestErrorAnswer => ({
      status: 429,
      error: "rate_limited",
      message: `too many requests for this source; retry in ${error.retryAfterSeconds}s`
    }),
    PayloadTooLarge: (error): IngestErrorAnswer => ({
      status: 413,
      error: "payload_too_large",
      message: `the body is larger than ${error.limitBytes} bytes`
    })
  })
)
