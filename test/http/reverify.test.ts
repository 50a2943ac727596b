import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Layer } from "effect"
import type { EventId } from "../../src/domain/ids.ts"
import { EventhookCore, Reverify } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { SourceRepo } from "../../src/store/SourceRepo.ts"
import { postWebhook } from "../support/http.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  freshTenant,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"

const post = (path: string, body: string, headers: Record<string, string>) =>
  postWebhook<{ event_id?: string }>(path, body, headers)

const RIGHT = "the-right-secret"
const WRONG = "a-mistyped-secret"

const githubDelivery = (tenantSlug: string, payload: string, secret: string, delivery: string) =>
  Effect.flatMap(
    Effect.promise(() => sign(secret, payload)),
    (signature) =>
      post(`/api/tenants/${tenantSlug}/eventhook/in/github`, payload, {
        "x-hub-signature-256": signature,
        "x-github-event": "push",
        "x-github-delivery": delivery
      })
  )

const App = EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer()))

layer(App, { excludeTestServices: true })("quarantine → re-verify → promote", (it) => {
  it.effect("events rejected under a wrong secret are promoted once the secret is fixed, then processed", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, {
        slug: "github",
        verifier_config: { type: "github", secret: WRONG },
        idempotency_key_paths: ["header.x-github-delivery"]
      })
      yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "on-push" } })
      const payload = '{"ref":"refs/heads/main"}'
      const first = yield* githubDelivery(tenant.slug, payload, RIGHT, "d-1")
      const forged = yield* githubDelivery(tenant.slug, payload, "an-attacker", "d-2")
      assert.strictEqual(first.status, 401)
      assert.strictEqual(forged.status, 401)

      const sources = yield* SourceRepo
      yield* sources.setVerifierConfig(sourceId, { type: "github", secrets: [RIGHT] })
      const reverify = yield* Reverify
      const all = (yield* eventsOfTenant(tenant.id)).map((event) => event.id)
      const report = yield* reverify.run({
        _tag: "BySource",
        sourceId,
        from: new Date(Date.now() - 60_000),
        to: new Date(Date.now() + 60_000),
        limit: 100
      })
      assert.deepStrictEqual(report.promoted, all.slice(0, 1))
      assert.deepStrictEqual(
        report.stillRejected.map((entry) => [entry.eventId, entry.verificationError.split(":")[0]]),
        [[all[1], "signature_mismatch"]]
      )

      const promoted = yield* settledEvent(tenant.id, all[0]!)
      assert.strictEqual(promoted.status, "delivered")
      assert.isTrue(promoted.verified)
      assert.isNull(promoted.verification_error)
      assert.strictEqual(promoted.verified_secret_index, 0)
      assert.strictEqual(promoted.idempotency_key, "d-1")
      assert.deepStrictEqual(promoted.parsed_payload, { ref: "refs/heads/main" })
      const [action] = yield* actionsOfEvent(all[0]!)
      assert.strictEqual(action?.status, "success")

      const again = yield* reverify.run({ _tag: "ByIds", eventIds: all as Array<EventId> })
      assert.deepStrictEqual(again.promoted, [])
      assert.strictEqual(again.stillRejected.length, 1)
    })
  )

  it.effect("a promoted event whose key was accepted meanwhile becomes a duplicate of it", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, {
        slug: "github",
        verifier_config: { type: "github", secrets: [RIGHT] },
        idempotency_key_paths: ["header.x-github-delivery"]
      })
      const payload = '{"ref":"refs/heads/dev"}'
      const rejected = yield* githubDelivery(tenant.slug, payload, WRONG, "same-delivery")
      assert.strictEqual(rejected.status, 401)
      const accepted = yield* githubDelivery(tenant.slug, payload, RIGHT, "same-delivery")
      assert.strictEqual(accepted.status, 200)

      yield* (yield* SourceRepo).setVerifierConfig(sourceId, { type: "github", secrets: [RIGHT, WRONG] })
      const [rejectedEvent] = yield* eventsOfTenant(tenant.id)
      const report = yield* (yield* Reverify).run({ _tag: "ByIds", eventIds: [rejectedEvent!.id] })
      assert.deepStrictEqual(report.duplicates, [rejectedEvent!.id])
      const reread = (yield* eventsOfTenant(tenant.id)).find((event) => event.id === rejectedEvent!.id)
      assert.strictEqual(reread?.status, "duplicate")
      assert.strictEqual(reread?.duplicate_of, accepted.json.event_id)
      assert.strictEqual(reread?.verified_secret_index, 1)
    })
  )
})
