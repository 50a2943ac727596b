import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

// CONTRACT §3: a 503 tells the provider when to come back; providers that honour Retry-After wait that long.
const RETRY_AFTER_SECONDS = "5"

export const RetryAfterOn503 = HttpRouter.middleware(
  (effect) =>
    Effect.map(effect, (response) =>
      response.status === 503 ? HttpServerResponse.setHeader(response, "retry-after", RETRY_AFTER_SECONDS) : response
    ),
  { global: true }
)
