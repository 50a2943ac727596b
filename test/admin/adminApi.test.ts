import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import Stripe from "stripe"
import { EventhookCore, SCALAR_VERSION } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { type Answer, callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { eventually, TestServer } from "../support/TestLayers.ts"

// Issue 6, admin API end to end: auth, validation, secrets never echoed, the whole operator flow with events
// signed by Stripe's own SDK, reprocess and reverify, and the OpenAPI document.

const TOKEN = "admin-token-for-tests"
const STRIPE_SECRET = "whsec_first_secret_never_echoed"
const NEXT_SECRET = "whsec_second_secret_never_echoed"
const stripe = new Stripe("sk_test_unit")

const call = callWith(`Bearer ${TOKEN}`)

let counter = 0
const uniqueSlug = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`

const sendStripe = (tenant: string, source: string, payload: string, secret: string) =>
  postWebhook<{ event_id?: string }>(`/api/tenants/${tenant}/eventhook/in/${source}`, payload, {
    "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret })
  })

/** Polls the admin API until the event has settled. */
const settled = (tenant: string, eventId: string) =>
  eventually(
    call("GET", `/api/tenants/${tenant}/eventhook/events/${eventId}`),
    (answer) => answer.status === 200 && !["pending", "processing"].includes(answer.json.status),
    { every: "25 millis", times: 400, failure: "not settled" }
  ).pipe(Effect.map((answer) => answer.json))

const App = (adminToken: Option.Option<Redacted.Redacted<string>>) =>
  EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer({ adminToken })))

describe("admin API", () => {
  layer(App(Option.none()), { excludeTestServices: true })("with no token configured", (it) => {
    it.effect("is off: every admin endpoint answers 403 admin_disabled, whatever the header says", () =>
      Effect.gen(function* () {
        for (const auth of [null, `Bearer ${TOKEN}`, "Bearer "]) {
          const answer = yield* call("GET", "/api/eventhook/tenants", undefined, auth)
          assert.strictEqual(answer.status, 403)
          assert.deepStrictEqual(answer.json.error, "admin_disabled")
        }
        const create = yield* call("POST", "/api/tenants/x/eventhook/sources", { slug: "a" }, `Bearer ${TOKEN}`)
        assert.strictEqual(create.status, 403)
      })
    )
  })

  layer(App(Option.some(Redacted.make(TOKEN))), { excludeTestServices: true })("with a token", (it) => {
    it.effect("refuses a missing header, a wrong token and another scheme with 401", () =>
      Effect.gen(function* () {
        for (const auth of [null, "Bearer wrong-token", `Basic ${btoa(`admin:${TOKEN}`)}`, `Bearer ${TOKEN}x`]) {
          const answer = yield* call("GET", "/api/eventhook/tenants", undefined, auth)
          assert.strictEqual(answer.status, 401, String(auth))
          assert.strictEqual(answer.json.error, "unauthorized")
          assert.notInclude(answer.text, TOKEN)
        }
        // The ingest endpoint is not behind the admin token.
        const ingest = yield* call("POST", "/api/tenants/nobody/eventhook/in/none", {}, null)
        assert.strictEqual(ingest.status, 404)
      })
    )

    it.effect("validates at write time with a 400 naming the field", () =>
      Effect.gen(function* () {
        const tenant = uniqueSlug("v")
        assert.strictEqual((yield* call("POST", "/api/eventhook/tenants", { slug: tenant })).status, 201)
        const base = `/api/tenants/${tenant}/eventhook`
        const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
          ["POST", "/api/eventhook/tenants", { slug: "Not A Slug" }, "slug:"],
          ["POST", "/api/eventhook/tenants", { slug: "ok", name: "" }, "name:"],
          ["POST", `${base}/sources`, { slug: "s", provider: "stripe", secret: "x", colour: "red" }, "colour:"],
          ["POST", `${base}/sources`, { slug: "s" }, "verifier_config:"],
          ["POST", `${base}/sources`, { slug: "s", provider: "nope" }, "provider:"],
          ["POST", `${base}/sources`, { slug: "s", provider: "stripe" }, "verifier_config"],
          [
            "POST",
            `${base}/sources`,
            { slug: "s", provider: "square", secret: "x" },
            "verifier_config.notification_url"
          ],
          ["POST", `${base}/sources`, { slug: "s", verifier_config: { type: "hmac", secret: "x" } }, "verifier_config"],
          [
            "POST",
            `${base}/sources`,
            { slug: "s", verifier_config: { type: "none" }, rate_limit_burst: 0 },
            "rate_limit_burst:"
          ],
          [
            "POST",
            `${base}/sources`,
            { slug: "s", verifier_config: { type: "none" }, rate_limit_per_second: -1 },
            "rate_limit_per_second:"
          ],
          [
            "POST",
            `${base}/sources`,
            { slug: "s", verifier_config: { type: "none" }, idempotency_key_paths: ["nowhere"] },
            "idempotency_key_paths"
          ],
          [
            "POST",
            `${base}/sources`,
            { slug: "s", verifier_config: { type: "none" }, event_type_config: { header: "" } },
            "event_type_config"
          ],
          ["POST", `${base}/sources`, "{not json", "JSON"]
        ]
        for (const [method, path, body, field] of cases) {
          const answer = yield* call(method as "POST", path, body)
          assert.strictEqual(answer.status, 400, `${JSON.stringify(body)} → ${answer.text}`)
          assert.strictEqual(answer.json.error, "invalid_request")
          assert.include(answer.json.message, field, JSON.stringify(body))
        }
        yield* call("POST", `${base}/sources`, { slug: "plain", verifier_config: { type: "none" } })
        const routeCases: ReadonlyArray<readonly [unknown, string]> = [
          [{ source: "plain", target_type: "workflow", target_config: {} }, "target_config.workflow_kind"],
          [{ source: "plain", target_type: "webhook", target_config: {} }, "target_type:"],
          [
            { source: "plain", target_type: "promise", target_config: { resolve: true } },
            "target_config.idempotency_key_path"
          ],
          [
            { source: "plain", target_type: "task", target_config: { task_kind: "k" }, filter_event_types: ["a", "a"] },
            "filter_event_types:"
          ],
          [
            { source: "plain", target_type: "task", target_config: { task_kind: "k" }, filter_event_types: [""] },
            "filter_event_types"
          ],
          [{ source: "plain", target_type: "task", target_config: { task_kind: "k" }, priority: 1.5 }, "priority:"]
        ]
        for (const [body, field] of routeCases) {
          const answer = yield* call("POST", `${base}/routes`, body)
          assert.strictEqual(answer.status, 400, answer.text)
          assert.include(answer.json.message, field)
        }
        const unknownSource = yield* call("POST", `${base}/routes`, {
          source: "missing",
          target_type: "task",
          target_config: { task_kind: "k" }
        })
        assert.strictEqual(unknownSource.status, 404)
        assert.strictEqual((yield* call("POST", "/api/eventhook/tenants", { slug: tenant })).status, 409)
        assert.strictEqual((yield* call("GET", `/api/tenants/missing-${tenant}/eventhook/sources`)).status, 404)
      })
    )

    it.effect("sets up a Stripe source and a route, finds, replays and re-verifies events, rotates the secret", () =>
      Effect.gen(function* () {
        const tenant = uniqueSlug("acme")
        const base = `/api/tenants/${tenant}/eventhook`
        const everything: Array<string> = []
        const keep = (answer: Answer) => {
          everything.push(answer.text)
          return answer
        }
        assert.strictEqual(
          keep(yield* call("POST", "/api/eventhook/tenants", { slug: tenant, name: "Acme" })).status,
          201
        )
        const providers = keep(yield* call("GET", `${base}/providers`))
        assert.include(
          providers.json.map((provider: { name: string }) => provider.name),
          "stripe"
        )

        const created = keep(
          yield* call("POST", `${base}/sources`, { slug: "stripe", provider: "stripe", secret: STRIPE_SECRET })
        )
        assert.strictEqual(created.status, 201, created.text)
        assert.strictEqual(created.json.verifier_type, "stripe")
        assert.deepStrictEqual(created.json.verifier_config, { type: "stripe", secrets_configured: 1 })
        assert.match(created.json.ingest_url, new RegExp(`/api/tenants/${tenant}/eventhook/in/stripe$`))

        // An event before any route: unrouted, to be replayed once the route exists.
        const early = yield* sendStripe(tenant, "stripe", '{"id":"evt_1","type":"charge.succeeded"}', STRIPE_SECRET)
        assert.strictEqual(early.status, 200)
        assert.strictEqual((yield* settled(tenant, early.json.event_id!)).status, "unrouted")

        const route = keep(
          yield* call("POST", `${base}/routes`, {
            source: "stripe",
            name: "charges",
            target_type: "workflow",
            target_config: { workflow_kind: "charge-succeeded" },
            filter_event_types: ["charge.succeeded"]
          })
        )
        assert.strictEqual(route.status, 201, route.text)
        const routes = keep(yield* call("GET", `${base}/routes?source=stripe`))
        assert.deepStrictEqual(
          routes.json.map((r: { id: string }) => r.id),
          [route.json.id]
        )

        const payload = '{"id":"evt_2","type":"charge.succeeded","data":{"amount":4200}}'
        const sent = yield* sendStripe(tenant, "stripe", payload, STRIPE_SECRET)
        assert.strictEqual(sent.status, 200)
        const event = yield* settled(tenant, sent.json.event_id!)
        assert.strictEqual(event.status, "delivered")
        assert.strictEqual(event.event_type, "charge.succeeded")
        assert.strictEqual(event.headers["stripe-signature"].startsWith("t="), true)
        assert.deepStrictEqual(event.parsed_payload, JSON.parse(payload))
        assert.strictEqual(event.actions.length, 1)
        assert.strictEqual(event.actions[0].status, "success")
        assert.isString(event.actions[0].workflow_execution_id)

        const found = yield* call("GET", `${base}/events?source=stripe&status=delivered&event_type=charge.succeeded`)
        assert.deepStrictEqual(
          found.json.events.map((e: { id: string }) => e.id),
          [sent.json.event_id]
        )
        const raw = yield* call("GET", `${base}/events/${sent.json.event_id}/payload`)
        assert.strictEqual(raw.text, payload)
        assert.strictEqual(raw.contentType, "application/json")

        // Paging: one per page, newest first, until next_cursor is null.
        const seen: Array<string> = []
        let cursor: string | null = null
        do {
          const page: Answer = yield* call("GET", `${base}/events?limit=1${cursor === null ? "" : `&cursor=${cursor}`}`)
          seen.push(...page.json.events.map((e: { id: string }) => e.id))
          cursor = page.json.next_cursor
        } while (cursor !== null)
        assert.deepStrictEqual(seen, [sent.json.event_id, early.json.event_id])

        // Replay the unrouted event: now the route matches it.
        const needsLimit = yield* call("POST", `${base}/events/reprocess`, { filter: { status: "unrouted" } })
        assert.strictEqual(needsLimit.status, 400)
        assert.include(needsLimit.json.message, "limit")
        const replay = yield* call("POST", `${base}/events/reprocess`, {
          filter: { source: "stripe", status: "unrouted" },
          limit: 10
        })
        assert.deepStrictEqual(replay.json, { reprocessed: 1, event_ids: [early.json.event_id] })
        assert.strictEqual((yield* settled(tenant, early.json.event_id!)).status, "delivered")

        // The sample tester says why a request fails, and which routes a good one would run.
        const good = '{"id":"evt_3","type":"charge.succeeded"}'
        const tested = keep(
          yield* call("POST", `${base}/sources/stripe/test`, {
            headers: {
              "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload: good, secret: STRIPE_SECRET })
            },
            body: good
          })
        )
        assert.deepStrictEqual(
          { ...tested.json },
          {
            verified: true,
            verification_error: null,
            secret_index: 0,
            parse_error: null,
            event_type: "charge.succeeded",
            idempotency_key: "evt_3",
            matched_routes: ["charges"],
            skipped_routes: []
          }
        )
        const forged = yield* call("POST", `${base}/sources/stripe/test`, {
          headers: {
            "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: good, secret: "whsec_wrong" })
          },
          body: good
        })
        assert.strictEqual(forged.json.verified, false)
        assert.match(forged.json.verification_error, /^signature_mismatch/)

        // Rotation: both secrets verify during the overlap, only the new one after dropping the previous.
        const rotated = keep(yield* call("POST", `${base}/sources/stripe/rotate-secret`, { secret: NEXT_SECRET }))
        assert.strictEqual(rotated.status, 200, rotated.text)
        assert.strictEqual(rotated.json.verifier_config.secrets_configured, 2)
        assert.strictEqual(
          (yield* sendStripe(tenant, "stripe", '{"id":"evt_4","type":"x"}', STRIPE_SECRET)).status,
          200
        )
        assert.strictEqual((yield* sendStripe(tenant, "stripe", '{"id":"evt_5","type":"x"}', NEXT_SECRET)).status, 200)
        keep(yield* call("POST", `${base}/sources/stripe/rotate-secret`, { secret: NEXT_SECRET, keep_previous: false }))
        const old = yield* sendStripe(tenant, "stripe", '{"id":"evt_6","type":"x"}', STRIPE_SECRET)
        assert.strictEqual(old.status, 401)

        // Re-verify: the event rejected under the dropped secret is promoted once it is accepted again.
        keep(yield* call("POST", `${base}/sources/stripe/rotate-secret`, { secret: STRIPE_SECRET }))
        const rejected = (yield* call("GET", `${base}/events?status=rejected`)).json.events
        assert.strictEqual(rejected.length, 1)
        assert.match(rejected[0].verification_error, /^signature_mismatch/)
        const reverified = yield* call("POST", `${base}/events/reverify`, { event_ids: [rejected[0].id] })
        assert.strictEqual(reverified.status, 200, reverified.text)
        assert.deepStrictEqual(reverified.json.promoted, [rejected[0].id])
        assert.strictEqual((yield* settled(tenant, rejected[0].id)).status, "unrouted")

        // A PATCH of the verifier that leaves the secrets out keeps them.
        const patched = keep(
          yield* call("PATCH", `${base}/sources/stripe`, { verifier_config: { type: "stripe", tolerance_seconds: 60 } })
        )
        assert.deepStrictEqual(patched.json.verifier_config, {
          type: "stripe",
          tolerance_seconds: 60,
          secrets_configured: 2
        })
        assert.strictEqual((yield* sendStripe(tenant, "stripe", '{"id":"evt_7","type":"x"}', NEXT_SECRET)).status, 200)

        keep(yield* call("GET", `${base}/sources`))
        keep(yield* call("GET", `${base}/sources/stripe`))
        for (const text of everything) {
          assert.notInclude(text, STRIPE_SECRET)
          assert.notInclude(text, NEXT_SECRET)
        }

        // Disable → the ingest endpoint answers 404; delete refuses while events exist.
        yield* call("PATCH", `${base}/sources/stripe`, { is_enabled: false })
        assert.strictEqual((yield* sendStripe(tenant, "stripe", '{"id":"evt_8"}', NEXT_SECRET)).status, 404)
        assert.strictEqual((yield* call("DELETE", `${base}/sources/stripe`)).status, 409)
        assert.strictEqual((yield* call("DELETE", `${base}/routes/${route.json.id}`)).status, 200)
        assert.strictEqual((yield* call("GET", `${base}/routes/${route.json.id}`)).status, 404)
        assert.strictEqual((yield* call("DELETE", `${base}/sources/stripe?delete_events=true`)).status, 200)
        assert.strictEqual((yield* call("GET", `${base}/sources/stripe`)).status, 404)
      })
    )

    it.effect("one tenant cannot reach another's events, routes or sources", () =>
      Effect.gen(function* () {
        const [a, b] = [uniqueSlug("a"), uniqueSlug("b")]
        yield* call("POST", "/api/eventhook/tenants", { slug: a })
        yield* call("POST", "/api/eventhook/tenants", { slug: b })
        yield* call("POST", `/api/tenants/${a}/eventhook/sources`, { slug: "open", verifier_config: { type: "none" } })
        const route = yield* call("POST", `/api/tenants/${a}/eventhook/routes`, {
          source: "open",
          target_type: "task",
          target_config: { task_kind: "k" }
        })
        const sent = yield* postWebhook<{ event_id: string }>(`/api/tenants/${a}/eventhook/in/open`, '{"type":"t"}')
        assert.strictEqual((yield* call("GET", `/api/tenants/${b}/eventhook/events/${sent.json.event_id}`)).status, 404)
        assert.strictEqual((yield* call("GET", `/api/tenants/${b}/eventhook/routes/${route.json.id}`)).status, 404)
        assert.strictEqual((yield* call("GET", `/api/tenants/${b}/eventhook/sources/open`)).status, 404)
        const replay = yield* call("POST", `/api/tenants/${b}/eventhook/events/reprocess`, {
          event_ids: [sent.json.event_id]
        })
        assert.strictEqual(replay.json.reprocessed, 0)
        const reverify = yield* call("POST", `/api/tenants/${b}/eventhook/events/reverify`, {
          event_ids: [sent.json.event_id]
        })
        assert.deepStrictEqual(reverify.json.promoted, [])
      })
    )

    it.effect("serves an OpenAPI document listing every endpoint, and the docs page", () =>
      Effect.gen(function* () {
        const document = (yield* call("GET", "/openapi.json", undefined, null)).json
        const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
          ([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
        )
        const t = "/api/tenants/{tenant_slug}/eventhook"
        for (const endpoint of [
          `POST ${t}/in/{source_slug}`,
          "GET /health",
          "GET /api/eventhook/tenants",
          "POST /api/eventhook/tenants",
          `GET ${t}/providers`,
          `GET ${t}/sources`,
          `POST ${t}/sources`,
          `GET ${t}/sources/{source_slug}`,
          `PATCH ${t}/sources/{source_slug}`,
          `DELETE ${t}/sources/{source_slug}`,
          `POST ${t}/sources/{source_slug}/rotate-secret`,
          `POST ${t}/sources/{source_slug}/test`,
          `GET ${t}/routes`,
          `POST ${t}/routes`,
          `GET ${t}/routes/{route_id}`,
          `PATCH ${t}/routes/{route_id}`,
          `DELETE ${t}/routes/{route_id}`,
          `GET ${t}/events`,
          `GET ${t}/events/{event_id}`,
          `GET ${t}/events/{event_id}/payload`,
          `POST ${t}/events/reprocess`,
          `POST ${t}/events/reverify`
        ])
          assert.include(paths, endpoint)
        const ingest = document.paths[`${t}/in/{source_slug}`].post
        for (const status of ["200", "400", "401", "404", "413", "429", "503"])
          assert.property(ingest.responses, status)
        assert.property(document.components.securitySchemes, "bearer")
        const docs = yield* call("GET", "/docs", undefined, null)
        assert.strictEqual(docs.status, 200)
        assert.include(docs.contentType ?? "", "text/html")
        assert.include(docs.text, `@scalar/api-reference@${SCALAR_VERSION}/`)
        assert.include(docs.text, '"openapi"')
      })
    )
  })
})
