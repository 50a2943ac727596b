import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Option, Redacted } from "effect"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { createRoute, createSource, freshTenant, settledEvent, TestServer } from "../support/TestLayers.ts"

// Issue 20: what the dashboard reads besides the admin API of issue 6 — the overview, the payload search and the
// bulk reprocess preview — against the real service and database.

const TOKEN = "admin-token-for-the-dashboard-api"
const call = callWith(`Bearer ${TOKEN}`)

const sendGithub = (tenant: string, body: string, delivery: string, secret: string) =>
  Effect.flatMap(
    Effect.promise(() => sign(secret, body)),
    (signature) =>
      postWebhook<{ event_id?: string }>(`/api/tenants/${tenant}/eventhook/in/github`, body, {
        "x-hub-signature-256": signature,
        "x-github-event": "issues",
        "x-github-delivery": delivery
      })
  )

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
  "the dashboard's API",
  (it) => {
    it.effect("the overview counts each source's outcomes, rejections by reason, verifying secrets and rate", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secrets: ["old", "new"] },
          idempotency_key_paths: ["header.x-github-delivery"]
        })
        const quiet = yield* createSource(tenant.id, {
          slug: "quiet",
          verifier_config: { type: "none" },
          idempotency_key_paths: []
        })
        yield* createRoute(tenant.id, quiet, { target_type: "workflow", target_config: { workflow_kind: "k" } })
        const first = yield* sendGithub(tenant.slug, '{"n":1}', "d1", "new")
        yield* sendGithub(tenant.slug, '{"n":2}', "d2", "old")
        yield* sendGithub(tenant.slug, '{"n":2}', "d2", "old")
        yield* sendGithub(tenant.slug, '{"n":3}', "d3", "wrong")
        yield* settledEvent(tenant.id, first.json.event_id!)

        const overview = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/overview`)
        assert.strictEqual(overview.status, 200, overview.text)
        assert.strictEqual(overview.json.bucket_seconds, 900)
        const [github, quietSource] = overview.json.sources
        assert.strictEqual(quietSource.source, "quiet")
        assert.deepStrictEqual(quietSource.day.received, 0)
        assert.deepStrictEqual(github.hour, {
          received: 4,
          accepted: 2,
          delivered: 0,
          failed: 0,
          unrouted: 2,
          rejected: 1,
          duplicates: 1
        })
        assert.deepStrictEqual(github.day, github.hour)
        assert.deepStrictEqual(github.rejected_by_reason, { signature_mismatch: 1 })
        // Secret 0 ("old") verified the request and its repeat; 1 ("new") the first.
        assert.deepStrictEqual(github.verified_by_secret_index, { "0": 2, "1": 1 })
        assert.strictEqual(github.backlog, 0)
        assert.lengthOf(github.rate, 96)
        assert.strictEqual(github.rate[95], 4)
        assert.strictEqual(
          github.rate.reduce((sum: number, n: number) => sum + n, 0),
          4
        )
      })
    )

    it.effect("payload search: containment and path = value, within a time range it requires", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "github", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        const since = new Date(Date.now() - 60_000).toISOString()
        const send = (body: string) =>
          Effect.map(
            postWebhook<{ event_id: string }>(`/api/tenants/${tenant.slug}/eventhook/in/github`, body),
            (answer) => answer.json.event_id
          )
        const wanted = yield* send('{"data":{"object":{"customer":"cus_123"}}}')
        const big = yield* send('{"data":{"object":{"customer":"cus_9","order":820982911946154508}}}')
        yield* send('{"data":{"object":{"customer":"cus_456"}}}')
        const list = (query: Record<string, string>) =>
          call("GET", `/api/tenants/${tenant.slug}/eventhook/events?${new URLSearchParams(query)}`)

        const contained = yield* list({ since, payload_contains: '{"data":{"object":{"customer":"cus_123"}}}' })
        assert.strictEqual(contained.status, 200, contained.text)
        assert.deepStrictEqual(
          contained.json.events.map((event: { id: string }) => event.id),
          [wanted]
        )
        const atPath = yield* list({ since, payload_path: "body.data.object.customer", payload_value: "cus_123" })
        assert.deepStrictEqual(
          atPath.json.events.map((event: { id: string }) => event.id),
          [wanted]
        )
        // Large integers match by their exact digits.
        const exact = yield* list({ since, payload_contains: '{"data":{"object":{"order":820982911946154508}}}' })
        assert.deepStrictEqual(
          exact.json.events.map((event: { id: string }) => event.id),
          [big]
        )
        const rounded = yield* list({ since, payload_contains: '{"data":{"object":{"order":820982911946154496}}}' })
        assert.deepStrictEqual(rounded.json.events, [])
        // Out of the time range: nothing.
        const later = yield* list({
          since: new Date(Date.now() + 60_000).toISOString(),
          payload_contains: '{"data":{"object":{"customer":"cus_123"}}}'
        })
        assert.deepStrictEqual(later.json.events, [])

        const unbounded = yield* list({ payload_contains: '{"a":1}' })
        assert.strictEqual(unbounded.status, 400)
        assert.match(unbounded.json.message, /^since: required with a payload search/)
        const notJson = yield* list({ since, payload_contains: "{nope" })
        assert.strictEqual(notJson.status, 400)
        assert.match(notJson.json.message, /payload_contains/)
        const half = yield* list({ since, payload_path: "body.a" })
        assert.strictEqual(half.status, 400)
        const header = yield* list({ since, payload_path: "header.x-a", payload_value: "1" })
        assert.strictEqual(header.status, 400)
        assert.match(header.json.message, /^payload_path: must be body/)
      })
    )

    it.effect("the reprocess preview counts what reprocess then resets, and changes nothing itself", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "github", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        const ids: Array<string> = []
        for (let n = 0; n < 3; n++) {
          const answer = yield* postWebhook<{ event_id: string }>(
            `/api/tenants/${tenant.slug}/eventhook/in/github`,
            `{"n":${n}}`
          )
          ids.push(answer.json.event_id)
        }
        for (const id of ids) assert.strictEqual((yield* settledEvent(tenant.id, id)).status, "unrouted")
        const request = { filter: { source: "github", status: "unrouted" }, limit: 2 }
        const preview = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/events/reprocess/preview`, request)
        assert.deepStrictEqual(preview.json, { count: 2 })
        const again = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/events/reprocess/preview`, {
          ...request,
          limit: 10
        })
        assert.deepStrictEqual(again.json, { count: 3 })
        for (const id of ids) assert.strictEqual((yield* settledEvent(tenant.id, id)).status, "unrouted")
        const done = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/events/reprocess`, request)
        assert.strictEqual(done.json.reprocessed, 2)
        const invalid = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/events/reprocess/preview`, {
          filter: { source: "github" }
        })
        assert.strictEqual(invalid.status, 400)
        assert.match(invalid.json.message, /^limit: required/)
      })
    )
  }
)
