import { createServer } from "node:http"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { eventhookServer, gracefulTeardown, serverLimits } from "./Eventhook.ts"

const limitedServer = () => {
  const server = createServer({
    headersTimeout: serverLimits.headersTimeoutMs,
    requestTimeout: serverLimits.requestTimeoutMs,
    keepAliveTimeout: serverLimits.keepAliveTimeoutMs,
    maxHeaderSize: serverLimits.maxHeaderBytes,
    connectionsCheckingInterval: serverLimits.checkIntervalMs
  })
  server.maxHeadersCount = serverLimits.maxHeadersCount
  return server
}

const Server = eventhookServer((listen) => NodeHttpServer.layer(limitedServer, listen))

NodeRuntime.runMain(Layer.launch(Server), { teardown: gracefulTeardown })
