import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { eventhookServer, serverLimits } from "./Eventhook.ts"
import { answerClientError, answerConnect } from "./http/clientErrors.ts"
import { type IngestListenerSlot, nodeIngestListener } from "./http/nodeIngestListener.ts"

/**
 * Node's server emits each request to every `request` listener, and Effect's server is one; the ingest listener
 * must take its requests alone, so it is asked first, where the server emits them.
 */
const askIngestListenerFirst = (server: Server, slot: IngestListenerSlot) => {
  const emit = server.emit
  server.emit = function (this: Server, event: string | symbol, ...args: Array<unknown>) {
    if (
      event === "request" &&
      slot.listener !== null &&
      slot.listener(args[0] as IncomingMessage, args[1] as ServerResponse)
    )
      return true
    return emit.apply(this, [event, ...args] as Parameters<Server["emit"]>)
  } as Server["emit"]
}

const limitedServer = (slot: IngestListenerSlot) => () => {
  const server = createServer({
    headersTimeout: serverLimits.headersTimeoutMs,
    requestTimeout: serverLimits.requestTimeoutMs,
    keepAliveTimeout: serverLimits.keepAliveTimeoutMs,
    maxHeaderSize: serverLimits.maxHeaderBytes,
    connectionsCheckingInterval: serverLimits.checkIntervalMs
  })
  server.maxHeadersCount = serverLimits.maxHeadersCount
  server.on("clientError", answerClientError)
  server.on("connect", answerConnect)
  askIngestListenerFirst(server, slot)
  return server
}

/**
 * Node's HTTP server with the limits of serverLimits, asking the ingest listener first (issue 22), and the layer
 * that installs that listener while the service runs (it needs the IngestEndpoint and AppConfig).
 */
export const nodeServerWithIngestListener = () => {
  const slot: IngestListenerSlot = { listener: null }
  return {
    server: (listen: { readonly host: string; readonly port: number }) =>
      NodeHttpServer.layer(limitedServer(slot), listen),
    ingestListener: nodeIngestListener(slot)
  }
}

/** The standalone service on Node's HTTP server, with the header, request and size limits of serverLimits. */
export const NodeEventhookServer = Layer.suspend(() => {
  const node = nodeServerWithIngestListener()
  return eventhookServer(node.server, node.ingestListener)
})
