import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Fiber, Option, Redacted } from "effect"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { createRoute, createSource, eventually, freshTenant, TestServer } from "../support/TestLayers.ts"

// Issue 19: `/metrics` scraped around a scenario; the counters move by exactly what happened. (`promtool check
// metrics` on a scrape of the running service is `npm run check:ops`, which CI runs with Debian's promtool.)

const TOKEN = "admin-token-for-metrics"
const call = callWith(`Bearer ${TOKEN}`)

/** Every sample of the exposition: name, labels, value. */
const samples = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!
      const labels = Object.fromEntries(
        [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!])
      )
      return { name: match[1]!, labels, value: Number(match[3]) }
    })

const sampleValue = (text: string, name: string, labels: Record<string, string>) =>
  samples(text)
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
    )
    .reduce((sum, sample) => sum + sample.value, 0)

const scrape = Effect.map(call("GET", "/metrics"), (answer) => answer.text)

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
  "GET /metrics",
  (it) => {
    it.effect("counts each ingest outcome, rejection reason, verifying secret, processing and action exactly", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "gh",
          verifier_config: { type: "github", secrets: ["old-secret", "new-secret"] },
          idempotency_key_paths: ["header.x-github-delivery"]
        })
        yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "k" } })
        const source = `${tenant.slug}/gh`
        const before = yield* scrape
        const send = (body: string, secret: string, delivery: string) =>
          Effect.gen(function* () {
            const signature = yield* Effect.promise(() => sign(secret, body))
            return yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/gh`, body, {
              "x-hub-signature-256": signature,
              "x-github-event": "issues",
              "x-github-delivery": delivery
            })
          })
        assert.strictEqual((yield* send(`{"n":1}`, "new-secret", "d1")).status, 200)
        assert.strictEqual((yield* send(`{"n":2}`, "old-secret", "d2")).status, 200)
        assert.strictEqual((yield* send(`{"n":2}`, "old-secret", "d2")).status, 200)
        assert.strictEqual((yield* send(`{"n":3}`, "wrong-secret", "d3")).status, 401)
        assert.strictEqual((yield* send(`{not json`, "new-secret", "d4")).status, 400)
        assert.strictEqual((yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/nope`, "{}")).status, 404)

        const after = yield* eventually(
          scrape,
          (text) =>
            sampleValue(text, "eventhook_actions_total", { target_type: "workflow", result: "success" }) >=
            sampleValue(before, "eventhook_actions_total", { target_type: "workflow", result: "success" }) + 2,
          { every: "50 millis", times: 200, failure: "the actions were not counted" }
        )
        const delta = (name: string, labels: Record<string, string>) =>
          sampleValue(after, name, labels) - sampleValue(before, name, labels)
        assert.strictEqual(delta("eventhook_ingest_requests_total", { outcome: "accepted", source }), 2)
        assert.strictEqual(delta("eventhook_ingest_requests_total", { outcome: "duplicate", source }), 1)
        assert.strictEqual(delta("eventhook_ingest_requests_total", { outcome: "rejected", source }), 1)
        assert.strictEqual(delta("eventhook_ingest_requests_total", { outcome: "invalid_payload", source }), 1)
        // An unknown source is never a label value: a stranger cannot mint series.
        assert.strictEqual(delta("eventhook_ingest_requests_total", { outcome: "not_found", source: "" }), 1)
        assert.notInclude(after, `${tenant.slug}/nope`)
        assert.strictEqual(delta("eventhook_ingest_rejections_total", { reason: "signature_mismatch", source }), 1)
        // Which secret verified: index 1 (new) once with the invalid body, and index 0 (old) twice.
        assert.strictEqual(delta("eventhook_verifications_total", { scheme: "github", secret_index: "1" }), 2)
        assert.strictEqual(delta("eventhook_verifications_total", { scheme: "github", secret_index: "0" }), 2)
        assert.strictEqual(delta("eventhook_events_processed_total", { status: "delivered" }), 2)
        assert.strictEqual(delta("eventhook_action_duration_seconds_count", { target_type: "workflow" }), 2)
        assert.strictEqual(
          delta("http_server_request_duration_seconds_count", {
            http_route: "/api/tenants/{tenant}/eventhook/in/{source}"
          }),
          6
        )
        assert.isAbove(delta("eventhook_group_commit_batch_size_count", {}), 0)
        // Five requests were stored (accepted ×2, the repeat, the rejected and the unparsable one): five commits.
        assert.strictEqual(delta("eventhook_ingest_phase_seconds_count", { phase: "commit" }), 5)
        assert.strictEqual(delta("eventhook_ingest_phase_seconds_count", { phase: "commit_wait" }), 5)
        assert.strictEqual(delta("eventhook_ingest_phase_seconds_count", { phase: "verify" }), 5)
        // The polled gauges (sampled at start, then every 10 s): the queue by state, the oldest pending, the
        // connections.
        const gauges = [
          'eventhook_queue_events{state="pending"} ',
          "eventhook_oldest_pending_age_seconds ",
          'eventhook_db_connections{state="active"} ',
          'eventhook_db_connections{state="idle"} '
        ]
        yield* eventually(scrape, (text) => gauges.every((series) => text.includes(series)), {
          every: "100 millis",
          times: 150,
          failure: "the polled gauges are missing"
        })
      })
    )

    it.effect("shows the pool's connections in use and the checkouts waiting for one", () =>
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const max = (yield* sql.poolStats).max
        // Four more sleeping statements than the pool has connections: every connection is used, at least four
        // checkouts wait (the service's own work may wait beside them). The gauges are sampled every second.
        const sleepers = yield* Effect.forkChild(
          Effect.forEach(Array.from({ length: max + 4 }), () => sql`SELECT pg_sleep(2)`, {
            concurrency: "unbounded",
            discard: true
          })
        )
        const busy = yield* eventually(
          scrape,
          (text) =>
            sampleValue(text, "eventhook_db_pool_connections", { state: "used" }) === max &&
            sampleValue(text, "eventhook_db_pool_pending_requests", {}) >= 4,
          { every: "100 millis", times: 30, failure: "the full pool and the waiting checkouts were not seen" }
        )
        assert.strictEqual(sampleValue(busy, "eventhook_db_pool_connections", { state: "idle" }), 0)
        assert.strictEqual(sampleValue(busy, "eventhook_db_pool_max_connections", {}), max)
        yield* Fiber.join(sleepers)
        yield* eventually(
          scrape,
          (text) =>
            sampleValue(text, "eventhook_db_pool_pending_requests", {}) === 0 &&
            sampleValue(text, "eventhook_db_pool_connections", { state: "used" }) < max,
          { every: "100 millis", times: 50, failure: "the waiting checkouts were not seen served" }
        )
      })
    )

    it.effect("on the ingest port it needs the admin token", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* call("GET", "/metrics", undefined, null)).status, 401)
        assert.strictEqual((yield* call("GET", "/metrics", undefined, "Bearer wrong")).status, 401)
      })
    )
  }
)
