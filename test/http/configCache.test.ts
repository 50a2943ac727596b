import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Layer } from "effect"
import { EventhookCore } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { postWebhook } from "../support/http.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventually,
  freshTenant,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"

// Issue 7: sources and routes are served from memory, and a change made anywhere — here plain SQL, as another
// process would — reaches ingest and processing without a restart (migration 0005's notification).

const App = EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer()))

/** Retries `attempt` until `done` holds of its result, for at most two seconds. */
const seenWithin2s = <A, E, R>(attempt: Effect.Effect<A, E, R>, done: (value: A) => boolean) =>
  eventually(attempt, done, { every: "20 millis", times: 100, failure: "the change was not seen within 2 s" })

layer(App, { excludeTestServices: true })("config cache", (it) => {
  it.effect("a source disabled or re-keyed by plain SQL is seen by ingest", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, {
        slug: "github",
        verifier_config: { type: "github", secret: "one" }
      })
      const path = `/api/tenants/${tenant.slug}/eventhook/in/github`
      const signed = (secret: string) =>
        Effect.flatMap(
          Effect.promise(() => sign(secret, "{}")),
          (signature) =>
            postWebhook(path, "{}", { "x-hub-signature-256": signature, "x-github-delivery": crypto.randomUUID() })
        )
      assert.strictEqual((yield* signed("one")).status, 200)
      assert.strictEqual((yield* signed("one")).status, 200)

      const sql = yield* PgClient.PgClient
      yield* sql`UPDATE p_eventhook__source SET verifier_config = ${sql.json({ type: "github", secret: "two" })}
                 WHERE id = ${sourceId}`
      yield* seenWithin2s(signed("two"), (answer) => answer.status === 200)
      assert.strictEqual((yield* signed("one")).status, 401)

      yield* sql`UPDATE p_eventhook__source SET is_enabled = false WHERE id = ${sourceId}`
      yield* seenWithin2s(signed("two"), (answer) => answer.status === 404)
      yield* sql`UPDATE tenant SET slug = ${`${tenant.slug}-renamed`} WHERE id = ${tenant.id}`
      yield* sql`UPDATE p_eventhook__source SET is_enabled = true WHERE id = ${sourceId}`
      yield* seenWithin2s(
        Effect.flatMap(
          Effect.promise(() => sign("two", "{}")),
          (signature) =>
            postWebhook(`/api/tenants/${tenant.slug}-renamed/eventhook/in/github`, "{}", {
              "x-hub-signature-256": signature
            })
        ),
        (answer) => answer.status === 200
      )
      assert.strictEqual((yield* signed("two")).status, 404)
    })
  )

  it.effect("an unknown source answered 404 (kept in memory) is found once plain SQL gives a source its slug", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "early", verifier_config: { type: "none" } })
      const late = `/api/tenants/${tenant.slug}/eventhook/in/late`
      assert.strictEqual((yield* postWebhook(late, "{}")).status, 404)
      assert.strictEqual((yield* postWebhook(late, "{}")).status, 404)
      const sql = yield* PgClient.PgClient
      yield* sql`UPDATE p_eventhook__source SET slug = 'late' WHERE id = ${sourceId}`
      yield* seenWithin2s(postWebhook(late, "{}"), (answer) => answer.status === 200)
      yield* seenWithin2s(
        postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/early`, "{}"),
        (answer) => answer.status === 404
      )
    })
  )

  it.effect("a route changed by plain SQL is used by the next event", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      const routeId = yield* createRoute(tenant.id, sourceId, {
        target_type: "task",
        target_config: { task_kind: "first" }
      })
      const path = `/api/tenants/${tenant.slug}/eventhook/in/open`
      const first = yield* postWebhook<{ event_id: string }>(path, '{"n":1}')
      assert.strictEqual((yield* settledEvent(tenant.id, first.json.event_id)).status, "delivered")

      const sql = yield* PgClient.PgClient
      yield* sql`UPDATE p_eventhook__route SET filter_event_types = ARRAY['never'] WHERE id = ${routeId}`
      const unrouted = yield* seenWithin2s(
        Effect.flatMap(postWebhook<{ event_id: string }>(path, '{"n":2}'), (answer) =>
          settledEvent(tenant.id, answer.json.event_id)
        ),
        (event) => event.status === "unrouted"
      )
      assert.strictEqual((yield* actionsOfEvent(unrouted.id)).length, 0)
    })
  )
})
