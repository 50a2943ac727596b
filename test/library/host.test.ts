// Eventhook as a library: a host application composes the routes with its own WorkflowLauncher.

import { NodeHttpServer } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Ref } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { EventhookRoutes, TargetFailed, WorkflowLauncher } from "../../src/Eventhook.ts"
import { EventActionRepo } from "../../src/store/EventActionRepo.ts"
import { EventRepo } from "../../src/store/EventRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { PromiseResolver } from "../../src/targets/PromiseResolver.ts"
import { TaskLauncher } from "../../src/targets/TaskLauncher.ts"
import type { WorkflowLaunch } from "../../src/targets/WorkflowLauncher.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  freshTenant,
  PlainRouteRepo,
  PlainSourceRepo,
  settledEvent,
  TestDatabase,
  testConfig
} from "../support/TestLayers.ts"

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

const HostApp = HttpRouter.serve(EventhookRoutes, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provide(Layer.mergeAll(InMemoryLauncher, InMemoryTasks, SettledPromises)),
  Layer.provideMerge(Launches.layer),
  Layer.provideMerge(NodeHttpServer.layerTest),
  Layer.provideMerge(
    Layer.mergeAll(TenantRepo.layer, PlainSourceRepo, PlainRouteRepo, EventRepo.layer, EventActionRepo.layer)
  ),
  Layer.provideMerge(TestDatabase),
  Layer.provideMerge(Layer.unwrap(Effect.sync(() => AppConfig.layerWith(testConfig()))))
)

layer(HostApp, { excludeTestServices: true })("a host application's own targets", (it) => {
  it.effect("matched routes call the host's WorkflowLauncher; its failures are recorded on the action", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      const good = yield* createRoute(tenant.id, sourceId, {
        priority: 1,
        target_type: "workflow",
        target_config: { workflow_kind: "host-kind", queue: "q1", idempotency_key_path: "body.id" }
      })
      yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "broken" } })
      yield* createRoute(tenant.id, sourceId, {
        priority: -1,
        target_type: "task",
        target_config: { task_kind: "host-task", idempotency_key_path: "body.id" }
      })
      yield* createRoute(tenant.id, sourceId, {
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

      const event = yield* settledEvent(tenant.id, event_id)
      assert.strictEqual(event.status, "failed")
      assert.include(event.last_error ?? "", "the host refused it")
      const launches = yield* Ref.get(yield* Launches)
      assert.deepStrictEqual(launches, [
        {
          tenantId: tenant.id,
          kind: "host-kind",
          queue: "q1",
          input: { id: "order-9", type: "order.paid" },
          idempotencyKey: `eventhook:${good}:order-9`
        }
      ])
      const actions = yield* actionsOfEvent(event_id)
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
