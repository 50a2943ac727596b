import { assert, describe, layer } from "@effect/vitest"
import { sign as signGithub, verify as verifyGithub } from "@octokit/webhooks-methods"
import { Effect, Option, Redacted, Result } from "effect"
import { Webhook } from "standardwebhooks"
import Stripe from "stripe"
import { parseDestinationRules } from "../../src/domain/destinationRules.ts"
import type { TenantId } from "../../src/domain/ids.ts"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { closedPort, receiver } from "../support/receiver.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  eventually,
  freshTenant,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"

// Issue 17: the `http` target against real HTTP servers on loopback.

const TOKEN = "admin-token-http-target"
const GITHUB_SECRET = "github-secret-for-http-target"
const STRIPE_SECRET = "whsec_stripe_secret_for_http_target"
const SIGNING_SECRET = `whsec_${Buffer.from("eventhook-signs-what-it-sends!!").toString("base64")}`
const stripe = new Stripe("sk_test_unit")
const call = callWith(`Bearer ${TOKEN}`)

/** The service (one processor, the reference host's targets) with an admin token and fast retries. */
const App = (overrides: Parameters<typeof TestServer>[0] = {}) =>
  TestServer({ retryBaseSeconds: 0.2, adminToken: Option.some(Redacted.make(TOKEN)), ...overrides })

const ingestPath = (tenant: string, source: string) => `/api/tenants/${tenant}/eventhook/in/${source}`

/** A tenant with a source of `verifier_config` and one http route to `target_config`. */
const routedTo = (verifier_config: Record<string, unknown>, target_config: Record<string, unknown>) =>
  Effect.gen(function* () {
    const tenant = yield* freshTenant
    const sourceId = yield* createSource(tenant.id, { slug: "hooks", verifier_config, idempotency_key_paths: [] })
    const routeId = yield* createRoute(tenant.id, sourceId, { target_type: "http", target_config })
    return { tenant, sourceId, routeId }
  })

const sendPlain = (tenant: string, body: unknown) =>
  postWebhook<{ event_id: string }>(ingestPath(tenant, "hooks"), JSON.stringify(body), {
    "content-type": "application/json"
  }).pipe(Effect.map((answer) => answer.json.event_id))

const settledActions = (tenantId: TenantId, eventId: string) =>
  Effect.gen(function* () {
    const event = yield* settledEvent(tenantId, eventId)
    return { event, actions: yield* actionsOfEvent(eventId) }
  })

describe("http target", () => {
  layer(App(), { excludeTestServices: true })("delivery", (it) => {
    it.effect(
      "forwards the exact bytes and the provider's headers: the receiver verifies GitHub's signature with Octokit and Eventhook's with standardwebhooks",
      () =>
        Effect.gen(function* () {
          const destination = yield* receiver(() => ({ status: 202, body: "thanks" }))
          const { tenant, routeId } = yield* routedTo(
            { type: "github", secret: GITHUB_SECRET },
            {
              url: `${destination.url}/hooks?from=eventhook`,
              signing: { type: "standard_webhooks", secret: SIGNING_SECRET }
            }
          )
          // Odd spacing and key order: only the untouched bytes verify.
          const body = `{"action":"opened",  "issue":{"number":1347,"id":9007199254740993}}`
          const signature = yield* Effect.promise(() => signGithub(GITHUB_SECRET, body))
          const answer = yield* postWebhook<{ event_id: string }>(ingestPath(tenant.slug, "hooks"), body, {
            "content-type": "application/json",
            "user-agent": "GitHub-Hookshot/abc",
            "x-github-event": "issues",
            "x-github-delivery": "d-1",
            "x-hub-signature-256": signature,
            cookie: "session=never-forwarded"
          })
          assert.strictEqual(answer.status, 200)
          const { event, actions } = yield* settledActions(tenant.id, answer.json.event_id)
          assert.strictEqual(event.status, "delivered")
          assert.strictEqual(destination.received.length, 1)
          const got = destination.received[0]!
          assert.strictEqual(got.method, "POST")
          assert.strictEqual(got.path, "/hooks?from=eventhook")
          assert.strictEqual(got.body.toString("utf8"), body)
          assert.isTrue(
            yield* Effect.promise(() =>
              verifyGithub(GITHUB_SECRET, got.body.toString("utf8"), got.headers["x-hub-signature-256"]!)
            )
          )
          assert.strictEqual(got.headers["x-github-event"], "issues")
          assert.strictEqual(got.headers["user-agent"], "GitHub-Hookshot/abc")
          assert.strictEqual(got.headers["content-type"], "application/json")
          assert.isUndefined(got.headers.cookie)
          // Eventhook's own signature, checked by the Standard Webhooks SDK (throws when it does not verify).
          new Webhook(SIGNING_SECRET).verify(got.body, got.headers)
          assert.strictEqual(got.headers["webhook-id"], `msg_${event.id}_${routeId}`)
          assert.strictEqual(actions.length, 1)
          assert.strictEqual(actions[0]!.status, "success")
          assert.strictEqual(actions[0]!.target_type, "http")
          assert.strictEqual(actions[0]!.response_status, 202)
          assert.strictEqual(actions[0]!.response_body, "thanks")
          assert.isNumber(actions[0]!.response_ms)
        })
    )

    it.effect(
      "a forwarded Stripe event verifies with Stripe's SDK; body `parsed` sends the parsed payload as JSON with PUT",
      () =>
        Effect.gen(function* () {
          // The third request (the parsed body's first attempt) is refused with a 503: its retry is read back from
          // the database, and must carry the same exact integers as the attempt handed over in memory.
          const destination = yield* receiver((_request, index) => (index === 1 ? { status: 503 } : { status: 200 }))
          const { tenant } = yield* routedTo({ type: "stripe", secret: STRIPE_SECRET }, { url: destination.url })
          const payload = JSON.stringify({
            id: "evt_1",
            object: "event",
            type: "invoice.paid",
            data: { object: { id: "in_1" } }
          })
          const answer = yield* postWebhook<{ event_id: string }>(ingestPath(tenant.slug, "hooks"), payload, {
            "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET })
          })
          yield* settledEvent(tenant.id, answer.json.event_id)
          const got = destination.received[0]!
          const verified = stripe.webhooks.constructEvent(got.body, got.headers["stripe-signature"]!, STRIPE_SECRET)
          assert.strictEqual(verified.type, "invoice.paid")

          const parsed = yield* routedTo({ type: "none" }, { url: destination.url, method: "PUT", body: "parsed" })
          const exact = `{"big":12345678901234567890,"nested":{"ok":true}}`
          yield* postWebhook(ingestPath(parsed.tenant.slug, "hooks"), exact)
          yield* eventually(
            eventsOfTenant(parsed.tenant.id).pipe(Effect.map((rows) => rows[0]!)),
            (row) => row.status === "delivered",
            { every: "50 millis", times: 200, failure: "the parsed body was not delivered on its retry" }
          )
          assert.strictEqual(destination.received.length, 3)
          for (const put of destination.received.slice(1)) {
            assert.strictEqual(put.method, "PUT")
            assert.strictEqual(put.headers["content-type"], "application/json")
            // Exact integers survive (ids above 2^53), handed over in memory and read back from the database.
            assert.strictEqual(put.body.toString("utf8"), exact)
          }
        })
    )

    it.effect(
      "each failure class: 503 + Retry-After is retried not before it asks, with the same webhook-id; 400 is final; a redirect is not followed",
      () =>
        Effect.gen(function* () {
          const flaky = yield* receiver((_request, index) =>
            index === 0 ? { status: 503, headers: { "retry-after": "1" }, body: "busy" } : { status: 200 }
          )
          const { tenant } = yield* routedTo(
            { type: "none" },
            { url: flaky.url, signing: { type: "standard_webhooks", secret: SIGNING_SECRET } }
          )
          const eventId = yield* sendPlain(tenant.slug, { n: 1 })
          const delivered = yield* eventually(
            eventsOfTenant(tenant.id).pipe(Effect.map((rows) => rows[0]!)),
            (row) => row.status === "delivered",
            { every: "50 millis", times: 200, failure: "not delivered after the retry" }
          )
          assert.strictEqual(delivered.retry_count, 1)
          assert.strictEqual(flaky.received.length, 2)
          const [first, second] = flaky.received as [(typeof flaky.received)[0], (typeof flaky.received)[0]]
          assert.strictEqual(first.headers["webhook-id"], second.headers["webhook-id"])
          new Webhook(SIGNING_SECRET).verify(second.body, second.headers)
          // Backoff alone (0.2 s) would have retried sooner than the second the destination asked for.
          const gapSeconds = Number(second.headers["webhook-timestamp"]) - Number(first.headers["webhook-timestamp"])
          assert.isAtLeast(gapSeconds, 1)
          const actions = yield* actionsOfEvent(eventId)
          assert.deepStrictEqual(
            actions.map((action) => [action.status, action.response_status, action.response_body]),
            [
              ["failed", 503, "busy"],
              ["success", 200, ""]
            ]
          )

          const refusing = yield* receiver(() => ({ status: 400, body: "bad input" }))
          const final = yield* routedTo({ type: "none" }, { url: refusing.url })
          const refusedId = yield* sendPlain(final.tenant.slug, { n: 2 })
          const refused = yield* settledActions(final.tenant.id, refusedId)
          assert.strictEqual(refused.event.status, "failed")
          assert.isNull(refused.event.next_retry_at)
          assert.include(refused.actions[0]!.error_message, "400")

          const moving = yield* receiver(() => ({ status: 302, headers: { location: "https://elsewhere.example/x" } }))
          const moved = yield* routedTo({ type: "none" }, { url: moving.url })
          const movedId = yield* sendPlain(moved.tenant.slug, { n: 3 })
          const redirect = yield* settledActions(moved.tenant.id, movedId)
          assert.strictEqual(redirect.event.status, "failed")
          assert.isNull(redirect.event.next_retry_at)
          assert.include(redirect.actions[0]!.error_message, "https://elsewhere.example/x")
          assert.strictEqual(moving.received.length, 1)
        })
    )

    it.effect("no answer is retryable: a timeout and a refused connection", () =>
      Effect.gen(function* () {
        const silent = yield* receiver(() => "hang")
        const slow = yield* routedTo({ type: "none" }, { url: silent.url, timeout_ms: 300 })
        const slowId = yield* sendPlain(slow.tenant.slug, { n: 1 })
        const timedOut = yield* settledActions(slow.tenant.id, slowId)
        assert.strictEqual(timedOut.event.status, "failed")
        assert.isNotNull(timedOut.event.next_retry_at)
        assert.include(timedOut.actions[0]!.error_message, "did not answer within 300 ms")
        assert.isNull(timedOut.actions[0]!.response_status)

        const port = yield* closedPort
        const gone = yield* routedTo({ type: "none" }, { url: `http://127.0.0.1:${port}/` })
        const goneId = yield* sendPlain(gone.tenant.slug, { n: 2 })
        const refused = yield* settledActions(gone.tenant.id, goneId)
        assert.strictEqual(refused.event.status, "failed")
        assert.isNotNull(refused.event.next_retry_at)
        assert.include(refused.actions[0]!.error_message, "ECONNREFUSED")
      })
    )

    it.effect(
      "one dead destination does not hold up a healthy one; its circuit opens and later calls are not made",
      () =>
        Effect.gen(function* () {
          const dead = yield* receiver(() => "hang")
          const healthy = yield* receiver()
          const deadRoute = yield* routedTo({ type: "none" }, { url: dead.url, timeout_ms: 1000 })
          const healthyRoute = yield* routedTo({ type: "none" }, { url: healthy.url })
          const firstWave = 40
          yield* Effect.forEach(
            Array.from({ length: firstWave }, (_, n) => n),
            (n) => Effect.all([sendPlain(deadRoute.tenant.slug, { n }), sendPlain(healthyRoute.tenant.slug, { n })]),
            { concurrency: 8, discard: true }
          )
          // The healthy destination gets all of its events while the dead one's are still waiting for their timeout.
          yield* eventually(
            eventsOfTenant(healthyRoute.tenant.id),
            (rows) => rows.filter((row) => row.status === "delivered").length === firstWave,
            { every: "25 millis", times: 200, failure: "the healthy destination was held up" }
          )
          assert.strictEqual(healthy.received.length, firstWave)
          // Every dead-destination event has failed (time-out, busy or open circuit) and is scheduled for a retry.
          const failedRows = yield* eventually(
            eventsOfTenant(deadRoute.tenant.id),
            (rows) =>
              rows.length === firstWave && rows.every((row) => row.status === "failed" && row.next_retry_at !== null),
            { every: "50 millis", times: 200, failure: "the dead destination's events did not all fail" }
          )
          assert.strictEqual(failedRows.length, firstWave)
          const callsBefore = dead.received.length
          // Each event was tried once at most, and never more than the per-destination bound at once.
          assert.isAtMost(callsBefore, firstWave)
          assert.isAtMost(dead.maxOpen(), 32)
          // The circuit is open now: a new event fails at once without a call.
          const lateId = yield* sendPlain(deadRoute.tenant.slug, { late: true })
          const late = yield* settledActions(deadRoute.tenant.id, lateId)
          assert.include(late.actions[0]!.error_message, "circuit is open")
          assert.isNull(late.actions[0]!.response_ms)
          assert.strictEqual(dead.received.length, callsBefore)
        })
    )
  })

  layer(App(), { excludeTestServices: true })("write-only headers and write-time checks", (it) => {
    it.effect("header values and signing secrets are never shown back, and are kept when sent back as shown", () =>
      Effect.gen(function* () {
        const destination = yield* receiver()
        const tenant = `http-admin-${Date.now().toString(36)}`
        assert.strictEqual((yield* call("POST", "/api/eventhook/tenants", { slug: tenant })).status, 201)
        const source = yield* call("POST", `/api/tenants/${tenant}/eventhook/sources`, {
          slug: "hooks",
          verifier_config: { type: "none" },
          idempotency_key_paths: []
        })
        assert.strictEqual(source.status, 201)
        const created = yield* call("POST", `/api/tenants/${tenant}/eventhook/routes`, {
          source: "hooks",
          target_type: "http",
          target_config: {
            url: destination.url,
            headers: { "X-Api-Key": "key-never-shown" },
            signing: { type: "standard_webhooks", secret: SIGNING_SECRET }
          }
        })
        assert.strictEqual(created.status, 201, created.text)
        assert.notInclude(created.text, "key-never-shown")
        assert.notInclude(created.text, SIGNING_SECRET)
        assert.deepStrictEqual(created.json.target_config.headers, { "X-Api-Key": "[redacted]" })
        assert.deepStrictEqual(created.json.target_config.signing, { type: "standard_webhooks", secrets_configured: 1 })
        // Sent back as shown, with a new timeout: the stored header and secret stay.
        const updated = yield* call("PATCH", `/api/tenants/${tenant}/eventhook/routes/${created.json.id}`, {
          target_config: { ...created.json.target_config, timeout_ms: 5000 }
        })
        assert.strictEqual(updated.status, 200, updated.text)
        const listed = yield* call("GET", `/api/tenants/${tenant}/eventhook/routes`)
        assert.notInclude(listed.text, "key-never-shown")
        const answer = yield* postWebhook<{ event_id: string }>(ingestPath(tenant, "hooks"), `{"n":1}`)
        yield* eventually(
          call("GET", `/api/tenants/${tenant}/eventhook/events/${answer.json.event_id}`),
          (event) => event.json.status === "delivered",
          { every: "25 millis", times: 200, failure: "not delivered" }
        )
        const got = destination.received[0]!
        assert.strictEqual(got.headers["x-api-key"], "key-never-shown")
        new Webhook(SIGNING_SECRET).verify(got.body, got.headers)
        const detail = yield* call("GET", `/api/tenants/${tenant}/eventhook/events/${answer.json.event_id}`)
        assert.strictEqual(detail.json.actions[0].response_status, 200)
      })
    )

    it.effect("a URL refused by the rules is 400 invalid_request naming target_config.url", () =>
      Effect.gen(function* () {
        const tenant = `http-ssrf-${Date.now().toString(36)}`
        yield* call("POST", "/api/eventhook/tenants", { slug: tenant })
        yield* call("POST", `/api/tenants/${tenant}/eventhook/sources`, {
          slug: "hooks",
          verifier_config: { type: "none" }
        })
        for (const [url, reason] of [
          ["http://169.254.169.254/latest/meta-data/", "denied"],
          ["http://[fe80::1]:8080/", "denied"],
          ["http://[::ffff:169.254.169.254]/", "denied"],
          ["http://user:pass@example.com/", "credentials"],
          ["ftp://example.com/", "http(s) URL"]
        ] as const) {
          const answer = yield* call("POST", `/api/tenants/${tenant}/eventhook/routes`, {
            source: "hooks",
            target_type: "http",
            target_config: { url }
          })
          assert.strictEqual(answer.status, 400, url)
          assert.strictEqual(answer.json.error, "invalid_request")
          assert.include(answer.json.message, "target_config.url", url)
          assert.include(answer.json.message, reason, url)
        }
        const badHeader = yield* call("POST", `/api/tenants/${tenant}/eventhook/routes`, {
          source: "hooks",
          target_type: "http",
          target_config: { url: "http://127.0.0.1:9/", forward_headers: ["Authorization"] }
        })
        assert.strictEqual(badHeader.status, 400)
        assert.include(badHeader.json.message, "authorization")
      })
    )
  })

  const denyLoopback = Result.getOrThrow(parseDestinationRules({ allow: null, deny: ["127.0.0.0/8", "::1/128"] }))
  layer(App({ destinationRules: denyLoopback }), { excludeTestServices: true })("EVENTHOOK_DESTINATION_DENY", (it) => {
    it.effect("a host name that resolves to a denied address is refused when sending, and not retried", () =>
      Effect.gen(function* () {
        const destination = yield* receiver()
        const { tenant } = yield* routedTo({ type: "none" }, { url: `http://localhost:${destination.port}/` })
        const eventId = yield* sendPlain(tenant.slug, { n: 1 })
        const { event, actions } = yield* settledActions(tenant.id, eventId)
        assert.strictEqual(event.status, "failed")
        assert.isNull(event.next_retry_at)
        assert.match(actions[0]!.error_message ?? "", /destination localhost \((127\.0\.0\.1|::1)\) is denied/)
        assert.strictEqual(destination.received.length, 0)
      })
    )
  })
})
