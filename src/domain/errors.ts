import { Schema } from "effect"
import { EventId } from "./ids.ts"
import { VerificationReason } from "./VerificationReason.ts"

/** Unknown tenant, unknown source or disabled source: the caller must not be able to tell which. */
export class SourceNotFound extends Schema.TaggedError<SourceNotFound>()("SourceNotFound", {
  tenantSlug: Schema.String,
  sourceSlug: Schema.String
}) {}

/** The verifier rejected the request; it is stored as `rejected`. */
export class RequestRejected extends Schema.TaggedError<RequestRejected>()("RequestRejected", {
  eventId: EventId,
  reason: VerificationReason,
  verificationError: Schema.String
}) {}

/** The Content-Type promised a format the body does not parse as; it is stored as `failed`. */
export class InvalidPayload extends Schema.TaggedError<InvalidPayload>()("InvalidPayload", {
  eventId: EventId,
  reason: Schema.String
}) {}

/** The body is larger than the limit; nothing is stored. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limitBytes: Schema.Number
}) {}

/** The source's token bucket is empty; nothing is stored. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterSeconds: Schema.Int
}) {}

export type IngestError = SourceNotFound | RequestRejected | InvalidPayload | PayloadTooLarge | RateLimited

/** The database did not give a connection within the bound (pool exhausted or database hanging): a 503. */
export class DatabaseBusy extends Schema.TaggedError<DatabaseBusy>()("DatabaseBusy", {
  waitedMillis: Schema.Number
}) {}

/** A tenant, or a tenant's source, already has this slug (the unique index decided). */
export class SlugTaken extends Schema.TaggedError<SlugTaken>()("SlugTaken", {
  kind: Schema.Literals(["tenant", "source"]),
  slug: Schema.String
}) {}

/** The group-commit batch holding the request could not be committed; nothing of it is stored: a 503. */
export class BatchNotCommitted extends Schema.TaggedError<BatchNotCommitted>()("BatchNotCommitted", {
  size: Schema.Int
}) {}
