// Eventhook as a library: a host application composes it through the public entry with its own targets (the
// installed package is tested in test/package/).

import { NodeHttpServer } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Ref } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import {
  EventAdmin,
  eventhook,
  PromiseResolver,
  RouteAdmin,
  SourceAdmin,
  TargetFailed,
  TaskLauncher,
  TenantAdmin,
  type WorkflowLaunch,
  WorkflowLauncher
} from "../../src/index.ts"
import { eventually, TestDatabase } from "../support/TestLayers.ts"

class Launches extends Context.Service<Launches, Ref.Ref<ReadonlyArray<WorkflowLaunch>>>()("test/Launches") {
  static readonly layer = Layer.effect(Launches, Ref.make<ReadonlyArray<WorkflowLaunch>>([]))
}

/** The host's own launcher: keeps launches in memory and refuses the kind "broken". */
const InMemoryLauncher = Layer.effect(
  WorkflowLauncher,
  Effect.gen(function* () {
    const launches = yield* Launches
    return WorkflowLauncher.of({
      launch: (launch) =>
        launch.kind === "broken"
          ? Effect.fail(new TargetFailed({ message: "the host refused it", retryable: false }))
          : Ref.updateAndGet(launches, (all) => [...all, launch]).pipe(
              Effect.map((all) => ({ executionId: `host-${all.length}`, created: true }))
            )
    })
  })
)

/** The host's task and promise targets: tasks are kept in memory, and every promise is already settled. */
const InMemoryTasks = Layer.succeed(
  TaskLauncher,
  TaskLauncher.of({
    launch: (launch) => Effect.succeed({ executionId: `task-${launch.idempotencyKey}`, created: true })
  })
)
const SettledPromises = Layer.succeed(
  PromiseResolver,
  PromiseResolver.of({
    settle: (settlement) => Effect.succeed({ promiseId: `promise-${settlement.key}`, changed: false })
  })
)

// Composed through the package's public entry only (src/index.ts), on the run's database.
const HostApp = HttpRouter.serve(eventhook({ migrate: false, config: { databaseUrl: Option.none() } })).pipe(
  Layer.provideMerge(Layer.mergeAll(InMemoryLauncher, InMemoryTasks, SettledPromises)),
  Layer.provideMerge(Launches.layer),
  Layer.provideMerge(NodeHttpServer.layerTest),
  Layer.provideMerge(TestDatabase)
)

layer(HostApp, { excludeTestServices: true })("a host application's own targets", (it) => {
  it.effect("matched routes call the host's WorkflowLauncher; its failures are recorded on the action", () =>
    Effect.gen(function* () {
      // The host sets Eventhook up with the operator services the layer hands it.
      const tenant = yield* (yield* TenantAdmin).create({ slug: `host-${Date.now().toString(36)}` })
      yield* (yield* SourceAdmin).create(tenant.slug, {
        slug: "open",
        verifier_config: { type: "none" },
        idempotency_key_paths: []
      })
      const routes = yield* RouteAdmin
      const good = (yield* routes.create(tenant.slug, {
        source: "open",
        priority: 1,
        target_type: "workflow",
        target_config: { workflow_kind: "host-kind", queue: "q1", idempotency_key_path: "body.id" }
      })).id
      yield* routes.create(tenant.slug, {
        source: "open",
        target_type: "workflow",
        target_config: { workflow_kind: "broken" }
      })
      yield* routes.create(tenant.slug, {
        source: "open",
        priority: -1,
        target_type: "task",
        target_config: { task_kind: "host-task", idempotency_key_path: "body.id" }
      })
      yield* routes.create(tenant.slug, {
        source: "open",
        priority: -2,
        target_type: "promise",
        target_config: { idempotency_key_path: "body.id", idempotency_key_prefix: "order:", resolve: true }
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client
        .execute(
          HttpClientRequest.post(`/api/tenants/${tenant.slug}/eventhook/in/open`).pipe(
            HttpClientRequest.bodyText('{"id":"order-9","type":"order.paid"}', "application/json")
          )
        )
        .pipe(Effect.orDie)
      const { event_id } = (yield* response.json.pipe(Effect.orDie)) as { event_id: string }

      const events = yield* EventAdmin
      const event = yield* eventually(
        events.get(tenant.slug, event_id),
        (found) => !["pending", "processing"].includes(found.status),
        { every: "25 millis", times: 400, failure: "the event did not settle" }
      )
      assert.strictEqual(event.status, "failed")
      assert.include(event.last_error ?? "", "the host refused it")
      const launches = yield* Ref.get(yield* Launches)
      assert.deepStrictEqual<ReadonlyArray<unknown>>(launches, [
        {
          tenantId: tenant.id,
          kind: "host-kind",
          queue: "q1",
          input: { id: "order-9", type: "order.paid" },
          idempotencyKey: `eventhook:${good}:order-9`,
          eventId: event_id,
          inputIsEventPayload: true
        }
      ])
      const actions = event.actions
      assert.deepStrictEqual(
        actions.map((action) => [
          action.status,
          action.workflow_execution_id ?? action.task_execution_id ?? action.promise_id,
          action.error_message
        ]),
        [
          ["success", "host-1", null],
          ["failed", null, "the host refused it"],
          ["success", `task-eventhook:${actions[2]?.route_id}:order-9`, null],
          ["success", "promise-order:order-9", null]
        ]
      )
    })
  )
})
