import { Cause, Effect, Exit } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { EventhookApi } from "../../src/http/Api.ts"

// The admin API is the dashboard's only backend, called through a client derived from the same HttpApi
// definition the service implements: paths, payloads and answers are typed, and decoded with the same schemas.

export type Client = HttpApiClient.ForApi<typeof EventhookApi>

/** The API's `{error, message}` for a failure, whatever its kind. */
export interface Problem {
  readonly error: string
  readonly message: string
}

export const problemOf = (failure: unknown): Problem => {
  const value = failure as { readonly error?: unknown; readonly message?: unknown; readonly _tag?: unknown }
  if (typeof value?.error === "string" && typeof value.message === "string")
    return { error: value.error, message: value.message }
  return { error: String(value?._tag ?? "error"), message: String(value?.message ?? failure) }
}

// One client per token: building it walks the whole API definition, which is worth doing once.
let cached: { readonly token: string; readonly client: Client } | undefined

const clientFor = (token: string) =>
  cached?.token === token
    ? Effect.succeed(cached.client)
    : Effect.map(
        HttpApiClient.make(EventhookApi, {
          baseUrl: window.location.origin,
          transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
        }),
        (client) => {
          cached = { token, client: client as Client }
          return client as Client
        }
      )

/** Runs one call with the session's token as a bearer header (never in a URL); a failure rejects with its Problem. */
export const callApi = async <A, E>(token: string, call: (client: Client) => Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(clientFor(token), call).pipe(Effect.provide(FetchHttpClient.layer))
  )
  if (Exit.isSuccess(exit)) return exit.value
  throw problemOf(Cause.squash(exit.cause))
}
