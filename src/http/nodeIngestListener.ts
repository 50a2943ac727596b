import type { IncomingMessage, ServerResponse } from "node:http"
import { type Cause, Effect, Exit, FiberSet, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { PayloadTooLarge } from "../domain/errors.ts"
import type { Accepted } from "../ingest/Ingest.ts"
import { causeIsDatabaseUnavailable } from "../store/unavailable.ts"
import { contractError, defectStatus, RETRY_AFTER_SECONDS } from "./contractErrors.ts"
import { BodyIncomplete, type IngestAnswer, IngestEndpoint, type IngestHttpRequest } from "./IngestEndpoint.ts"

// The standalone Node service takes ingest requests straight from Node's HTTP server (issue 22): the same endpoint
// (IngestEndpoint) as the router's route, without the generic request machinery around it — the request and
// response wrappers, the router, the middleware — which cost about a quarter of the service's CPU per webhook.
// What it leaves (another method, a path that does not decode, tracing on, a stopping service) goes to the router
// as before, so every other answer stays the router's.

// The fast lane (issue 22): a request that declares a small body has it read first, with plain listeners. Then
// Ingest decides it without a fiber where it can (`answerReceived`: a source and its routes in memory, a signature
// that verifies, a token), only the write runs as an effect, and the answer is made as it ends, in its fiber. At c=16,
// alternated, that took the service's CPU per request from 0.36–0.38 ms to 0.32 (the peer's: 0.245). Any other
// request takes the endpoint's whole way with its body already read. The lane's bodies are bounded on their own
// (FAST_LANE_BYTES), beside the endpoint's budget (IN_FLIGHT_BODY_BYTES).

/** The largest declared body the fast lane reads; a larger one is read within the endpoint's budget. */
const FAST_LANE_MAX_BODY_BYTES = 256 * 1024
/** Bodies held by the fast lane at once; past this, requests take the endpoint's way (which waits its turn). */
const FAST_LANE_BYTES = 8 * 1024 * 1024

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

/** The chunks of a body in a buffer of its own (`Buffer.concat` may give a slice of a shared pool). */
const joined = (chunks: ReadonlyArray<Buffer>, length: number) => {
  const body = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
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
    const onEnd = () => settle(Effect.succeed(joined(chunks, received)))
    const onClose = () => {
      if (!request.complete) settle(Effect.fail(new BodyIncomplete()))
    }
    if (request.destroyed && !request.complete) return settle(Effect.fail(new BodyIncomplete()))
    request.on("data", onData)
    request.once("end", onEnd)
    request.once("close", onClose)
  })

/** Reads the whole body with plain listeners, then calls `received` with it, or with null if it was cut off. */
const readWhole = (request: IncomingMessage, received: (body: Uint8Array | null) => void) => {
  if (request.destroyed && !request.complete) return received(null)
  const chunks: Array<Buffer> = []
  let length = 0
  const onData = (chunk: Buffer) => {
    chunks.push(chunk)
    length += chunk.length
  }
  const onEnd = () => {
    request.off("close", onClose)
    received(joined(chunks, length))
  }
  const onClose = () => {
    request.off("data", onData)
    request.off("end", onEnd)
    if (!request.complete) received(null)
  }
  request.on("data", onData)
  request.once("end", onEnd)
  request.once("close", onClose)
}

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
      const run = yield* FiberSet.makeRuntime<never, unknown, never>()
      let open = true
      let fastLaneBytes = 0
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
        const ingestRequest = {
          tenantSlug: slugs[0],
          sourceSlug: slugs[1],
          headers: request.headers as Readonly<Record<string, string | undefined>>,
          url: request.url ?? "",
          remoteAddress: request.socket.remoteAddress ?? null
        }
        const respond = (answering: Effect.Effect<IngestAnswer>, afterwards?: () => void) =>
          run(
            Effect.uninterruptible(
              answering.pipe(
                Effect.catchCause(defectAnswer),
                Effect.map((answer) => {
                  afterwards?.()
                  return send(request, response, answer)
                })
              )
            )
          )
        const declared = Number(request.headers["content-length"])
        if (
          !Number.isInteger(declared) ||
          declared < 0 ||
          declared > Math.min(FAST_LANE_MAX_BODY_BYTES, config.maxBodyBytes) ||
          fastLaneBytes + declared > FAST_LANE_BYTES
        ) {
          respond(endpoint.answer({ ...ingestRequest, readBody: readBody(request) }))
          return true
        }
        fastLaneBytes += declared
        const release = () => {
          fastLaneBytes -= declared
        }
        readWhole(request, (body) => {
          const lane = body === null ? undefined : endpoint.answerReceived({ ...ingestRequest, body })
          if (lane === undefined) {
            const readAlready: IngestHttpRequest["readBody"] = () =>
              body === null ? Effect.fail(new BodyIncomplete()) : Effect.succeed(body)
            return respond(endpoint.answer({ ...ingestRequest, readBody: readAlready }), release)
          }
          // Only the write is an effect, and the answer is made as it ends, inside its uninterruptible fiber: a stop
          // that comes meanwhile waits for it, and then ends the fiber as interrupted (so not in an observer).
          const answerLane = (exit: Exit.Exit<Accepted>): Effect.Effect<void> => {
            release()
            const answer = lane.answered(exit)
            if (answer !== undefined) return Effect.sync(() => send(request, response, answer))
            return Exit.isFailure(exit)
              ? Effect.map(defectAnswer(exit.cause), (defect) => send(request, response, defect))
              : Effect.void
          }
          run(Effect.uninterruptible(Effect.flatMap(Effect.exit(lane.storing), answerLane)))
        })
        return true
      }
    })
  )
