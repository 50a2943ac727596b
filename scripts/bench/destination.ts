import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

// The http target's destination in the bench (issue 17): a plain node:http server that answers 204 and records
// each delivery by its `webhook-id` (stable per event and route, so a repeat is counted as one) with the time it
// arrived, against the send time the load generator wrote into the payload. It also serves as the OTLP sink of the
// tracing run (what it records then is not read).

export interface Destination {
  readonly url: string
  /** Deliveries by webhook-id: how many times each arrived, and when it first did. */
  readonly received: Map<string, { count: number; latencyMs: number }>
  readonly close: () => Promise<void>
}

export const startDestination = () =>
  new Promise<Destination>((resolve) => {
    const received = new Map<string, { count: number; latencyMs: number }>()
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const arrived = Date.now()
        const id = String(request.headers["webhook-id"])
        const seen = received.get(id)
        if (seen !== undefined) seen.count++
        else {
          let sentAt = Number.NaN
          try {
            sentAt = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { sent_at_ms: number }).sent_at_ms
          } catch {}
          received.set(id, { count: 1, latencyMs: arrived - sentAt })
        }
        response.writeHead(204)
        response.end()
      })
    })
    server.keepAliveTimeout = 30_000
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        received,
        close: () => new Promise<void>((done) => server.close(() => done()))
      })
    )
  })
