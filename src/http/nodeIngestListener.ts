import type { IncomingMessage, ServerResponse } from "node:http"
import { type Cause, Effect, FiberSet, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { PayloadTooLarge } from "../domain/errors.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { contractError, defectStatus, RETRY_AFTER_SECONDS } from "./contractErrors.ts"
import { BodyIncomplete, type IngestAnswer, IngestEndpoint } from "./IngestEndpoint.ts"

// The standalone Node service takes ingest requests straight from Node's HTTP server (issue 22): the same endpoint
// (IngestEndpoint) as the router's route, without the generic request machinery around it — the request and
// response wrappers, the router, the middleware — which cost about a quarter of the service's CPU per webhook.
// What it leaves (another method, a path that does not decode, tracing on, a stopping service) goes to the router
// as before, so every other answer stays the router's.

/** Where Node's server hands requests to the listener: set while the service runs (server.node.ts). */
export interface IngestListenerSlot {
  listener: ((request: IncomingMessage, response: ServerResponse) => boolean) | null
}

const INGEST_TARGET = /^\/api\/tenants\/([^/?#]+)\/eventhook\/in\/([^/?#]+)(?:\?|$)/

/** The slugs of an ingest request target, decoded as the router decodes them; null for any other target. */
export const ingestSlugsOf = (target: string): readonly [tenant: string, source: string] | null => {
  const match = INGEST_TARGET.exec(target)
  if (match === null) return null
  try {
    return [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)]
  } catch {
    return null
  }
}

/** The body exactly as received, in a buffer of its own; a body that passes `maxBytes` is cut off (413). */
const readBody = (request: IncomingMessage) => (maxBytes: number) =>
  Effect.callback<Uint8Array, PayloadTooLarge | BodyIncomplete>((resume) => {
    const chunks: Array<Buffer> = []
    let received = 0
    const settle = (result: Effect.Effect<Uint8Array, PayloadTooLarge | BodyIncomplete>) => {
      request.off("data", onData)
      request.off("end", onEnd)
      request.off("close", onClose)
      resume(result)
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > maxBytes) settle(Effect.fail(new PayloadTooLarge({ limitBytes: maxBytes })))
      else chunks.push(chunk)
    }
    const onEnd = () => {
      const body = new Uint8Array(received)
      let offset = 0
      for (const chunk of chunks) {
        body.set(chunk, offset)
        offset += chunk.length
      }
      settle(Effect.succeed(body))
    }
    const onClose = () => {
      if (!request.complete) settle(Effect.fail(new BodyIncomplete()))
    }
    if (request.destroyed && !request.complete) return settle(Effect.fail(new BodyIncomplete()))
    request.on("data", onData)
    request.once("end", onEnd)
    request.once("close", onClose)
  })

/** A defect is answered as ContractErrors answers it on the router. */
const defectAnswer = (cause: Cause.Cause<never>): Effect.Effect<IngestAnswer> =>
  Effect.map(defectStatus(causeIsDatabaseUnavailable(cause), cause), (status) => ({
    status,
    body: contractError(status),
    ...(status === 503 ? { headers: { "retry-after": RETRY_AFTER_SECONDS } } : {})
  }))

const send = (request: IncomingMessage, response: ServerResponse, answer: IngestAnswer) => {
  if (response.headersSent || response.destroyed) return
  const body = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    ...answer.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    // A body left unread (refused by its length, cut off, abandoned) ends the connection with the answer.
    ...(request.complete ? {} : { connection: "close" })
  })
  response.end(body)
}

/** Installs the listener in `slot` while the service runs; on stop it takes no new request and answers its own. */
export const nodeIngestListener = (slot: IngestListenerSlot) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const endpoint = yield* IngestEndpoint
      const config = yield* AppConfig
      // Traced, a request continues the trace its headers carry: the router's tracing does that.
      if (config.tracing) return
      // Stopping interrupts the set's fibers and waits for them; a request's fiber is uninterruptible, so it is
      // answered first (its finalizer was added first, so it runs after the one below closes the slot).
      const run = yield* FiberSet.makeRuntime<never, void, never>()
      let open = true
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          open = false
          slot.listener = null
        })
      )
      slot.listener = (request, response) => {
        if (!open || request.method !== "POST") return false
        const slugs = ingestSlugsOf(request.url ?? "")
        if (slugs === null) return false
        request.on("error", () => {})
        const answered = endpoint
          .answer({
            tenantSlug: slugs[0],
            sourceSlug: slugs[1],
            headers: request.headers as Readonly<Record<string, string | undefined>>,
            url: request.url ?? "",
            remoteAddress: request.socket.remoteAddress ?? null,
            readBody: readBody(request)
          })
          .pipe(
            Effect.catchCause(defectAnswer),
            Effect.map((answer) => send(request, response, answer))
          )
        run(Effect.uninterruptible(answered))
        return true
      }
    })
  )
