import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Layer } from "effect"
import type { TenantId } from "../../src/domain/ids.ts"
import { EventhookCore } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { type IncomingWebhook, Ingest } from "../../src/ingest/Ingest.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  freshTenant,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"

// Issue 22: the ingest listener's fast lane. Ingest decides a request without a fiber where `receive` would accept
// it and everything it needs is in memory; anything else is left to `receive`, with nothing taken or recorded.

const App = EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer()))

const SECRET = "fast-lane-secret"

/** A GitHub delivery signed by Octokit's own `sign`, as the provider sends it. */
const delivery = (tenantSlug: string, payload: object, secret = SECRET) =>
  Effect.map(
    Effect.promise(() => sign(secret, JSON.stringify(payload))),
    (signature): IncomingWebhook => ({
      tenantSlug,
      sourceSlug: "github",
      body: new TextEncoder().encode(JSON.stringify(payload)),
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": signature
      },
      pathAndQuery: `/api/tenants/${tenantSlug}/eventhook/in/github`,
      sourceIp: "203.0.113.7"
    })
  )

/**
 * Receives deliveries until the fast lane takes one (the source and its routes are then in memory), and returns the
 * tokens taken. Each change to sources or routes also notifies every instance, this one too, and drops its cache
 * when that arrives: a moment is left for the setup's notifications first.
 */
const warmUp = (ingest: Ingest["Service"], next: Effect.Effect<IncomingWebhook>) =>
  Effect.gen(function* () {
    yield* Effect.sleep("150 millis")
    for (let taken = 0; taken < 40; ) {
      yield* ingest.receive(yield* next)
      const fast = ingest.receiveAcceptedNow(yield* next)
      taken += fast === undefined ? 1 : 2
      if (fast !== undefined) {
        yield* fast
        return taken
      }
      yield* Effect.sleep("25 millis")
    }
    return assert.fail("the source and its routes never came from memory")
  })

/** What an event's row and actions hold, without what differs between any two events (ids, times, key). */
const storedShape = (tenantId: TenantId, eventId: string) =>
  Effect.gen(function* () {
    const event = yield* settledEvent(tenantId, eventId)
    const actions = yield* actionsOfEvent(eventId)
    return {
      status: event.status,
      event_type: event.event_type,
      content_type: event.content_type,
      headers: Object.keys(event.headers as object).sort(),
      parsed_payload: event.parsed_payload,
      raw_payload: new TextDecoder().decode(event.raw_payload),
      verified: event.verified,
      verified_secret_index: event.verified_secret_index,
      source_ip: event.source_ip,
      processed: event.processed_at !== null,
      actions: actions.map((action) => ({ target_type: action.target_type, status: action.status }))
    }
  })

/** A tenant of its own with a GitHub source (`limits`: its bucket) and a workflow route of kind `kind`. */
const githubSource = (kind: string, limits: { rate_limit_per_second?: number; rate_limit_burst?: number } = {}) =>
  Effect.gen(function* () {
    const tenant = yield* freshTenant
    const sourceId = yield* createSource(tenant.id, {
      slug: "github",
      verifier_config: { type: "github", secret: SECRET },
      ...limits
    })
    yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: kind } })
    return { tenant, sourceId }
  })

layer(App, { excludeTestServices: true })("Ingest.receiveAcceptedNow (the fast lane)", (it) => {
  it.effect("stores what receive stores, once the source and its routes are in memory", () =>
    Effect.gen(function* () {
      const ingest = yield* Ingest
      const { tenant } = yield* githubSource("on-issue")
      const payload = { action: "opened", issue: { number: 7 } }

      // Nothing in memory yet: left to receive, and nothing stored.
      assert.isUndefined(ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload)))
      assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      const warm = yield* warmUp(ingest, delivery(tenant.slug, payload))

      const bySlowWay = yield* ingest.receive(yield* delivery(tenant.slug, payload))
      const fast = ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload))
      assert.isDefined(fast)
      const byFastLane = yield* fast!
      assert.strictEqual(bySlowWay.status, "pending")
      assert.strictEqual(byFastLane.status, "pending")
      if (bySlowWay.status !== "pending" || byFastLane.status !== "pending") return
      const slow = yield* storedShape(tenant.id, bySlowWay.eventId)
      assert.deepStrictEqual(yield* storedShape(tenant.id, byFastLane.eventId), slow)
      assert.strictEqual(slow.status, "delivered")
      assert.deepStrictEqual(slow.actions, [{ target_type: "workflow", status: "success" }])

      // What receive would refuse or answer otherwise is left to it.
      assert.isUndefined(ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload, "not the secret")))
      const notJson = yield* delivery(tenant.slug, payload)
      assert.isUndefined(ingest.receiveAcceptedNow({ ...notJson, body: new TextEncoder().encode("{not json") }))
      assert.isUndefined(ingest.receiveAcceptedNow({ ...notJson, sourceSlug: "unknown" }))
      assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, warm + 2)
    })
  )

  it.effect("takes no token for a request it leaves to receive; an empty bucket is left to receive's 429", () =>
    Effect.gen(function* () {
      const ingest = yield* Ingest
      const { tenant } = yield* githubSource("limited", { rate_limit_per_second: 0.001, rate_limit_burst: 12 })
      const payload = { action: "opened" }
      const left = 12 - (yield* warmUp(ingest, delivery(tenant.slug, payload)))
      assert.isAbove(left, 1)

      assert.isUndefined(ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload, "forged")))
      // The forged request took nothing: every token left is still there, for the fast lane.
      for (let i = 0; i < left; i++) {
        const taken = ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload))
        assert.isDefined(taken)
        assert.strictEqual((yield* taken!).status, "pending")
      }
      const refused = yield* delivery(tenant.slug, payload)
      assert.isUndefined(ingest.receiveAcceptedNow(refused))
      assert.strictEqual((yield* Effect.flip(ingest.receive(refused)))._tag, "RateLimited")
      assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 12)
    })
  )

  it.effect("a change to the routes leaves requests to receive until it has read them again", () =>
    Effect.gen(function* () {
      const ingest = yield* Ingest
      const { tenant, sourceId } = yield* githubSource("first")
      const payload = { action: "edited" }
      yield* warmUp(ingest, delivery(tenant.slug, payload))

      yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "second" } })
      assert.isUndefined(ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload)))
      yield* warmUp(ingest, delivery(tenant.slug, payload))
      const fast = ingest.receiveAcceptedNow(yield* delivery(tenant.slug, payload))
      assert.isDefined(fast)
      const stored = yield* fast!
      if (stored.status !== "pending") return assert.fail("not stored as pending")
      assert.strictEqual((yield* actionsOfEvent(stored.eventId)).length, 2)
    })
  )
})
