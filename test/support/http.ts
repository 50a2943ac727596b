import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

/** POSTs exactly these bytes (Content-Type from `headers`, JSON by default) to the test server. */
export const postWebhook = <J = unknown>(
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {}
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body
    const response = yield* client.execute(
      HttpClientRequest.post(path).pipe(
        HttpClientRequest.setHeaders(headers),
        HttpClientRequest.bodyUint8Array(bytes, headers["content-type"] ?? "application/json")
      )
    )
    const json = yield* response.json.pipe(Effect.orElseSucceed(() => null))
    return { status: response.status, headers: response.headers, json: json as J }
  }).pipe(Effect.orDie)
