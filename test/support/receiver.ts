import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/** A request as a destination received it. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/** What the destination does with the n-th request (0-based): answer, or never answer. */
export type Behaviour = (
  request: Received,
  index: number
) => { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | "hang"

/**
 * A real HTTP server on loopback standing for a user's service (issue 17's destinations): it records every request
 * it receives, and answers as `behaviour` says. Closed with the scope.
 */
export const receiver = (behaviour: Behaviour = () => ({ status: 200, body: "ok" })) =>
  Effect.acquireRelease(
    Effect.callback<{
      url: string
      received: Array<Received>
      port: number
      /** The most requests that were open at once (a hanging one stays open until the client gives up). */
      maxOpen: () => number
      close: () => void
    }>((resume) => {
      const received: Array<Received> = []
      let open = 0
      let maxOpen = 0
      const hanging: Array<ServerResponse> = []
      const server = createServer((request: IncomingMessage, response: ServerResponse) => {
        open++
        maxOpen = Math.max(maxOpen, open)
        response.on("close", () => {
          open--
        })
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(request.headers))
            if (typeof value === "string") headers[name] = value
          const entry: Received = {
            method: request.method ?? "",
            path: request.url ?? "",
            headers,
            body: Buffer.concat(chunks)
          }
          const answer = behaviour(entry, received.length)
          received.push(entry)
          if (answer === "hang") {
            hanging.push(response)
            return
          }
          response.writeHead(answer.status, answer.headers ?? {})
          response.end(answer.body ?? "")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            received,
            port,
            maxOpen: () => maxOpen,
            close: () => {
              for (const response of hanging) response.destroy()
              server.closeAllConnections()
              server.close()
            }
          })
        )
      })
    }),
    (server) => Effect.sync(server.close)
  )

/** A port nothing listens on: a server opened and closed again. */
export const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})
