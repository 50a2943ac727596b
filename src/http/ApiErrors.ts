import { Schema } from "effect"

// The operator errors live with the domain (the admin services fail with them); the HTTP surface answers them too.
export {
  ConflictResponse,
  conflict,
  InvalidRequestResponse,
  invalidRequest,
  NotFoundResponse,
  notFound
} from "../domain/operatorErrors.ts"

// CONTRACT §3: every error answers `{"error": "<code>", "message": "<human text>"}` with the code's status.

export class VerificationFailedResponse extends Schema.Error<VerificationFailedResponse>("VerificationFailedResponse")(
  { error: Schema.Literal("verification_failed"), message: Schema.String },
  { httpApiStatus: 401 }
) {}

export class InvalidPayloadResponse extends Schema.Error<InvalidPayloadResponse>("InvalidPayloadResponse")(
  { error: Schema.Literal("invalid_payload"), message: Schema.String },
  { httpApiStatus: 400 }
) {}

export class PayloadTooLargeResponse extends Schema.Error<PayloadTooLargeResponse>("PayloadTooLargeResponse")(
  { error: Schema.Literal("payload_too_large"), message: Schema.String },
  { httpApiStatus: 413 }
) {}

export class UnavailableResponse extends Schema.Error<UnavailableResponse>("UnavailableResponse")(
  { error: Schema.Literal("unavailable"), message: Schema.String },
  { httpApiStatus: 503 }
) {}

export class InternalResponse extends Schema.Error<InternalResponse>("InternalResponse")(
  { error: Schema.Literal("internal"), message: Schema.String },
  { httpApiStatus: 500 }
) {}

export class RateLimitedResponse extends Schema.Error<RateLimitedResponse>("RateLimitedResponse")(
  { error: Schema.Literal("rate_limited"), message: Schema.String },
  { httpApiStatus: 429 }
) {}

// The admin API (issue 6) answers with the same `{error, message}` shape.

export class UnauthorizedResponse extends Schema.Error<UnauthorizedResponse>("UnauthorizedResponse")(
  { error: Schema.Literal("unauthorized"), message: Schema.String },
  { httpApiStatus: 401 }
) {}

export class AdminDisabledResponse extends Schema.Error<AdminDisabledResponse>("AdminDisabledResponse")(
  { error: Schema.Literal("admin_disabled"), message: Schema.String },
  { httpApiStatus: 403 }
) {}
