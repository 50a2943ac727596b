import { Schema } from "effect"

// What the operator services (admin API and CLI) fail with: data that carries its HTTP status (CONTRACT §3's
// `{error, message}` shape), so the HttpApi answers it as it is and the CLI prints its message.

export class NotFoundResponse extends Schema.Error<NotFoundResponse>("NotFoundResponse")(
  { error: Schema.Literal("not_found"), message: Schema.String },
  { httpApiStatus: 404 }
) {}

export class InvalidRequestResponse extends Schema.Error<InvalidRequestResponse>("InvalidRequestResponse")(
  { error: Schema.Literal("invalid_request"), message: Schema.String },
  { httpApiStatus: 400 }
) {}

export class ConflictResponse extends Schema.Error<ConflictResponse>("ConflictResponse")(
  { error: Schema.Literal("conflict"), message: Schema.String },
  { httpApiStatus: 409 }
) {}

export const invalidRequest = (message: string) => new InvalidRequestResponse({ error: "invalid_request", message })
export const notFound = (message: string) => new NotFoundResponse({ error: "not_found", message })
export const conflict = (message: string) => new ConflictResponse({ error: "conflict", message })
