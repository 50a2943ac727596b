import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { gracefulTeardown } from "./Eventhook.ts"
import { NodeEventhookServer } from "./server.node.ts"

NodeRuntime.runMain(Layer.launch(NodeEventhookServer), { teardown: gracefulTeardown })
