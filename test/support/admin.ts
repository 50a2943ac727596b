import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

export interface Answer {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the API's JSON as it comes and asserts on it
  readonly json: any
  readonly text: string
  readonly contentType: string | undefined
  readonly headers: Readonly<Record<string, string>>
}

/** An admin API call with `auth` as the Authorization header (none when null); a string body is sent as is. */
export const callWith =
  (auth: string | null) =>
  (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, authorization: string | null = auth) =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      let request = HttpClientRequest.make(method)(path)
      if (authorization !== null) request = HttpClientRequest.setHeader(request, "authorization", authorization)
      if (body !== undefined)
        request = HttpClientRequest.bodyText(
          request,
          typeof body === "string" ? body : JSON.stringify(body),
          "application/json"
        )
      const response = yield* client.execute(request)
      const text = yield* response.text
      let json: unknown = null
      try {
        json = JSON.parse(text)
      } catch {}
      return {
        status: response.status,
        json,
        text,
        contentType: response.headers["content-type"],
        headers: response.headers
      } as Answer
    }).pipe(Effect.orDie)
