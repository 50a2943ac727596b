import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { EventId } from "../../src/domain/ids.ts"
import { EventhookCore, Reprocess } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { createRoute, createSource, freshTenant, settledEvent, TestServer } from "../support/TestLayers.ts"

const send = (tenantSlug: string, body: unknown) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.post(`/api/tenants/${tenantSlug}/eventhook/in/hooks`).pipe(
        HttpClientRequest.bodyText(JSON.stringify(body), "application/json")
      )
    )
    return ((yield* response.json) as { event_id: EventId }).event_id
  }).pipe(Effect.orDie)

const App = EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer()))

layer(App, { excludeTestServices: true })("reprocess", (it) => {
  it.effect("unrouted events are reprocessed by filter once a route exists; a limit is honoured", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "hooks", verifier_config: { type: "none" } })
      const ids = [
        yield* send(tenant.slug, { type: "a" }),
        yield* send(tenant.slug, { type: "a" }),
        yield* send(tenant.slug, { type: "b" })
      ]
      for (const id of ids) assert.strictEqual((yield* settledEvent(tenant.id, id)).status, "unrouted")
      yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "late-route" }
      })

      const reprocess = yield* Reprocess
      const first = yield* reprocess.run(tenant.id, { _tag: "ByFilter", status: "unrouted", eventType: "a", limit: 1 })
      assert.deepStrictEqual(first, ids.slice(0, 1))
      assert.strictEqual((yield* settledEvent(tenant.id, ids[0]!)).status, "delivered")
      assert.strictEqual((yield* settledEvent(tenant.id, ids[1]!)).status, "unrouted")
      const rest = yield* reprocess.run(tenant.id, { _tag: "ByFilter", sourceId, limit: 10 })
      assert.sameMembers([...rest], ids.slice(1))
      for (const id of ids) assert.strictEqual((yield* settledEvent(tenant.id, id)).status, "delivered")
    })
  )

  it.effect("a failed event is reprocessed by id after its route is fixed; other tenants' events are untouched", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const other = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "hooks", verifier_config: { type: "none" } })
      const routeId = yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "" }
      })
      const eventId = yield* send(tenant.slug, { type: "x" })
      const failed = yield* settledEvent(tenant.id, eventId)
      assert.strictEqual(failed.status, "failed")
      assert.isNull(failed.next_retry_at)
      const sql = yield* PgClient.PgClient
      yield* sql`UPDATE p_eventhook__route SET target_config = ${sql.json({ workflow_kind: "fixed" })} WHERE id = ${routeId}`

      assert.deepStrictEqual(yield* (yield* Reprocess).run(other.id, { _tag: "ByIds", eventIds: [eventId] }), [])
      assert.deepStrictEqual(yield* (yield* Reprocess).run(tenant.id, { _tag: "ByIds", eventIds: [eventId] }), [
        eventId
      ])
      const delivered = yield* settledEvent(tenant.id, eventId)
      assert.strictEqual(delivered.status, "delivered")
      assert.strictEqual(delivered.retry_count, 0)
    })
  )
})
