// A host application that installed the `eventhook` package (issue 18; README "As a library" shows this file).
// It mounts Eventhook into its own HTTP server with its own WorkflowLauncher, creates a GitHub source and a route
// with Eventhook's operator services, and sends itself a signed webhook twice: the launcher must run once.
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Layer, Ref } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import {
  eventhook,
  RouteAdmin,
  SourceAdmin,
  TenantAdmin,
  unsupportedPromises,
  unsupportedTasks,
  type WorkflowLaunch,
  WorkflowLauncher
} from "eventhook"

const launched = Ref.makeUnsafe<ReadonlyArray<WorkflowLaunch>>([])
const MyWorkflows = Layer.succeed(WorkflowLauncher, {
  launch: (launch) =>
    Ref.updateAndGet(launched, (all) => [...all, launch]).pipe(
      Effect.map((all) => ({ executionId: `mine-${all.length}`, created: true }))
    )
})

const Host = HttpRouter.serve(eventhook({ databaseUrl: process.env.DATABASE_URL! })).pipe(
  Layer.provideMerge(Layer.mergeAll(MyWorkflows, unsupportedTasks, unsupportedPromises)),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
)

const program = Effect.gen(function* () {
  const tenant = `host-${Date.now().toString(36)}`
  yield* (yield* TenantAdmin).create({ slug: tenant })
  const source = yield* (yield* SourceAdmin).create(tenant, { slug: "github", provider: "github", secret: "s3cret" })
  yield* (yield* RouteAdmin).create(tenant, {
    source: "github",
    target_type: "workflow",
    target_config: { workflow_kind: "on-github" }
  })
  const { address } = yield* HttpServer.HttpServer
  const port = address._tag === "UnixPathAddress" ? 0 : address.port
  const url = source.ingest_url.replace(/^https?:\/\/[^/]+/, `http://127.0.0.1:${port}`)
  const body = JSON.stringify({ action: "opened", issue: { number: 1347 } })
  const headers = {
    "content-type": "application/json",
    "x-github-event": "issues",
    "x-github-delivery": "delivery-1",
    "x-hub-signature-256": yield* Effect.promise(() => sign("s3cret", body))
  }
  const answers: Array<number> = []
  for (let i = 0; i < 2; i++)
    answers.push((yield* Effect.promise(() => fetch(url, { method: "POST", headers, body }))).status)
  yield* Effect.sleep("1500 millis")
  const launches = yield* Ref.get(launched)
  console.log(
    JSON.stringify({ answers, launches: launches.map((launch) => ({ kind: launch.kind, input: launch.input })) })
  )
})

Effect.runPromise(program.pipe(Effect.provide(Host), Effect.scoped)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
