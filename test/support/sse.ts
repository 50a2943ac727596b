import { type ClientRequest, request as httpRequest } from "node:http"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { type ServerSentEvent, serverSentEventReader } from "../../src/cli/serverSentEvents.ts"
import { eventually } from "./TestLayers.ts"

/** An open `text/event-stream` response of the test server: what arrived so far; closed with the scope. */
export const openStream = (path: string, headers: Record<string, string>) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return yield* Effect.acquireRelease(
      Effect.callback<
        {
          status: number
          contentType: string
          events: Array<ServerSentEvent>
          body: () => string
          request: ClientRequest
        },
        Error
      >((resume) => {
        const events: Array<ServerSentEvent> = []
        let text = ""
        const read = serverSentEventReader()
        const request = httpRequest({ host: "127.0.0.1", port, path, headers }, (response) => {
          response.setEncoding("utf8")
          response.on("data", (chunk: string) => {
            text += chunk
            events.push(...read(chunk))
          })
          response.on("error", () => {})
          resume(
            Effect.succeed({
              status: response.statusCode ?? 0,
              contentType: String(response.headers["content-type"]),
              events,
              body: () => text,
              request
            })
          )
        })
        request.on("error", (error) => resume(Effect.fail(error)))
        request.end()
      }),
      (stream) => Effect.sync(() => stream.request.destroy())
    )
  }).pipe(Effect.orDie)

/** Waits until the stream has delivered at least `count` events. */
export const eventsArrived = (stream: { readonly events: Array<ServerSentEvent> }, count: number) =>
  eventually(
    Effect.sync(() => stream.events),
    (events) => events.length >= count,
    { every: "25 millis", times: 400, failure: `fewer than ${count} events arrived on the stream` }
  )
