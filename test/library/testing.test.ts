// `eventhook/testing`: the in-memory targets a host's tests use, behind the real pipeline.

import { NodeHttpServer } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import { EventAdmin, eventhook, RouteAdmin, SourceAdmin, TenantAdmin } from "../../src/index.ts"
import { InMemoryTargets, RecordedTargets } from "../../src/testing.ts"
import { eventually, TestDatabase } from "../support/TestLayers.ts"

const App = HttpRouter.serve(eventhook({ migrate: false, config: { databaseUrl: Option.none() } })).pipe(
  Layer.provideMerge(InMemoryTargets),
  Layer.provideMerge(NodeHttpServer.layerTest),
  Layer.provideMerge(TestDatabase)
)

layer(App, { excludeTestServices: true })("eventhook/testing", (it) => {
  it.effect("InMemoryTargets records each launch once per idempotency key, and every settlement", () =>
    Effect.gen(function* () {
      const tenant = yield* (yield* TenantAdmin).create({ slug: `mem-${Date.now().toString(36)}` })
      // No dedupe at the source: both requests are events, and the targets' own keys decide.
      yield* (yield* SourceAdmin).create(tenant.slug, {
        slug: "in",
        verifier_config: { type: "none" },
        idempotency_key_paths: []
      })
      const routes = yield* RouteAdmin
      for (const [target_type, target_config] of [
        ["workflow", { workflow_kind: "w", idempotency_key_path: "body.id" }],
        ["task", { task_kind: "t", idempotency_key_path: "body.id" }],
        ["promise", { idempotency_key_path: "body.id", resolve: true }]
      ] as const)
        yield* routes.create(tenant.slug, { source: "in", target_type, target_config })
      const client = yield* HttpClient.HttpClient
      const ids: Array<string> = []
      for (let i = 0; i < 2; i++) {
        const response = yield* client
          .execute(
            HttpClientRequest.post(`/api/tenants/${tenant.slug}/eventhook/in/in`).pipe(
              HttpClientRequest.bodyText('{"id":"k-1"}', "application/json")
            )
          )
          .pipe(Effect.orDie)
        ids.push(((yield* response.json.pipe(Effect.orDie)) as { event_id: string }).event_id)
      }
      const events = yield* EventAdmin
      for (const id of ids)
        yield* eventually(events.get(tenant.slug, id), (event) => event.status === "delivered", {
          every: "25 millis",
          times: 400,
          failure: "not delivered"
        })
      const recorded = yield* Ref.get(yield* RecordedTargets)
      assert.strictEqual(recorded.workflows.length, 1)
      assert.strictEqual(recorded.tasks.length, 1)
      assert.strictEqual(recorded.settlements.length, 2)
      assert.deepStrictEqual(recorded.workflows[0]!.input, { id: "k-1" })
    })
  )
})
