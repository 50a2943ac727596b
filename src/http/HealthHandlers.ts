import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { DatabaseHealth } from "../store/DatabaseHealth.ts"
import { EventhookApi } from "./Api.ts"
import { UnavailableResponse } from "./ApiErrors.ts"

export const HealthHandlers = HttpApiBuilder.group(
  EventhookApi,
  "health",
  Effect.fn(function* (handlers) {
    const database = yield* DatabaseHealth
    return handlers.handle("health", () =>
      database.ping.pipe(
        Effect.flatMap((up) =>
          up
            ? Effect.succeed({ status: "ok" as const })
            : Effect.fail(new UnavailableResponse({ error: "unavailable", message: "the database does not answer" }))
        )
      )
    )
  })
)
