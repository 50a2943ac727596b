import { createServer } from "node:http"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { eventhookServer, gracefulTeardown } from "./Eventhook.ts"

const Server = eventhookServer((listen) => NodeHttpServer.layer(createServer, listen))

NodeRuntime.runMain(Layer.launch(Server), { teardown: gracefulTeardown })
