import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { eventhookServer, serverLimits } from "./Eventhook.ts"
import { answerClientError, answerConnect } from "./http/clientErrors.ts"

const limitedServer = () => {
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
  return server
}

/** The standalone service on Node's HTTP server, with the header, request and size limits of serverLimits. */
export const NodeEventhookServer = eventhookServer((listen) => NodeHttpServer.layer(limitedServer, listen))
