import { request as httpRequest } from "node:http"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"

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

export interface RawAnswer {
  readonly status: number
  readonly text: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
}

/**
 * A request as any client could send it, through `node:http` (which sends any method, TRACE and PROPFIND included,
 * and a path exactly as written) to the test server.
 */
export const rawRequest = (
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Uint8Array | string
) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return yield* Effect.callback<RawAnswer, Error>((resume) => {
      const request = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resume(
            Effect.succeed({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              headers: response.headers
            })
          )
        )
      })
      request.on("error", (error) => resume(Effect.fail(error)))
      request.end(body)
    })
  }).pipe(Effect.orDie)
