import { readFileSync } from "node:fs"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect, Option, Redacted, Schema } from "effect"
import type { TenantId } from "../../src/domain/ids.ts"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { actionsOfEvent, createSource, freshTenant, settledEvent, TestServer } from "../support/TestLayers.ts"

// Issue 21: route filters and transforms through the admin API and plain SQL, run by the real engine against the
// real database; and the dry run over stored events.

const TOKEN = "admin-token-for-routes"
const call = callWith(`Bearer ${TOKEN}`)
const sample = readFileSync(new URL("payloads/shopify-orders.create.json", import.meta.url), "utf8")
const small = JSON.stringify({ id: 1001, email: "a@example.com", current_total_price: "12.00", line_items: [] })

const send = (tenant: string, source: string, body: string, topic = "orders/create") =>
  Effect.map(
    postWebhook<{ event_id: string }>(`/api/tenants/${tenant}/eventhook/in/${source}`, body, {
      "x-shopify-topic": topic
    }),
    (answer) => {
      assert.strictEqual(answer.status, 200, JSON.stringify(answer.json))
      return answer.json.event_id
    }
  )

const workflowInputs = (tenantId: TenantId, kind: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    sql<{ input_text: string }>`SELECT input::text AS input_text FROM workflow_execution
        WHERE tenant_id = ${tenantId} AND kind = ${kind} ORDER BY created_at`.pipe(
      Effect.map((rows) => rows.map((row) => row.input_text))
    )
  ).pipe(Effect.orDie)

const routeOf = (tenant: string, route: Record<string, unknown>) =>
  Effect.map(call("POST", `/api/tenants/${tenant}/eventhook/routes`, route), (answer) => {
    assert.strictEqual(answer.status, 201, answer.text)
    return answer.json as { id: string; filter: string | null; transform: string | null }
  })

const EventRow = Schema.Struct({ status: Schema.String, next_retry_at: Schema.NullOr(Schema.Date) })
const retryOf = (eventId: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    sql`SELECT status, next_retry_at FROM p_eventhook__event WHERE id = ${eventId}`.pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(EventRow)))
    )
  ).pipe(Effect.orDie)

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
  "route filters and transforms",
  (it) => {
    it.effect("the admin API refuses an expression that does not compile, naming the field and the position", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "shop", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        const create = (extra: Record<string, unknown>) =>
          call("POST", `/api/tenants/${tenant.slug}/eventhook/routes`, {
            source: "shop",
            target_type: "workflow",
            target_config: { workflow_kind: "k" },
            ...extra
          })
        const badFilter = yield* create({ filter: 'body.total > 5 &&\n  body.email ==== "x"' })
        assert.strictEqual(badFilter.status, 400)
        assert.deepStrictEqual(badFilter.json, {
          error: "invalid_request",
          message: "filter: line 2, column 16: Unexpected token: EQ"
        })
        const badTransform = yield* create({ transform: '{"a": body.x' })
        assert.strictEqual(badTransform.status, 400)
        assert.match(badTransform.json.message, /^transform: line 1, column \d+: /)
        const notBool = yield* create({ filter: "event_type" })
        assert.strictEqual(notBool.json.message, "filter: line 1, column 1: gives string; a filter must give a bool")
        const rawHttp = yield* create({
          target_type: "http",
          target_config: { url: "https://example.com/hook" },
          transform: '{"a": 1}'
        })
        assert.strictEqual(rawHttp.status, 400)
        assert.match(rawHttp.json.message, /target_config.body to "parsed"/)

        // A fix is accepted, and an update is judged the same way.
        const route = yield* routeOf(tenant.slug, {
          source: "shop",
          target_type: "workflow",
          target_config: { workflow_kind: "k" },
          filter: "body.total > 5"
        })
        assert.strictEqual(route.filter, "body.total > 5")
        const update = yield* call("PATCH", `/api/tenants/${tenant.slug}/eventhook/routes/${route.id}`, {
          transform: "[body.total]"
        })
        assert.strictEqual(update.status, 400)
        assert.strictEqual(update.json.message, "transform: line 1, column 1: gives list; a transform must give a map")
        // What cannot be told before the payload is seen (`body` is dynamic) is judged per event.
        const dynamic = yield* call("PATCH", `/api/tenants/${tenant.slug}/eventhook/routes/${route.id}`, {
          transform: "body.order"
        })
        assert.strictEqual(dynamic.status, 200, dynamic.text)
      })
    )

    it.effect("a filter picks events, a transform shapes the input, an error skips or fails with the reason", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "shop", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        yield* routeOf(tenant.slug, {
          source: "shop",
          name: "big orders",
          target_type: "workflow",
          target_config: { workflow_kind: "big-order" },
          filter: "double(body.current_total_price) > 500.0 && body.line_items.exists(i, i.gift_card)",
          transform: '{"order": body.id, "email": body.email, "skus": body.line_items.map(i, i.sku)}'
        })
        yield* routeOf(tenant.slug, {
          source: "shop",
          name: "vip customers",
          target_type: "task",
          target_config: { task_kind: "vip" },
          filter: 'body.customer.tags.contains("vip")'
        })

        const big = yield* send(tenant.slug, "shop", sample)
        assert.strictEqual((yield* settledEvent(tenant.id, big)).status, "delivered")
        // The transform's value is the workflow's input, the order id above 2^53 exact.
        assert.deepStrictEqual(yield* workflowInputs(tenant.id, "big-order"), [
          '{"skus": ["IPOD2008PINK", "GIFT-50"], "email": "jon@example.com", "order": 820982911946154508}'
        ])
        assert.sameMembers(
          (yield* actionsOfEvent(big)).map((action) => action.status),
          ["success", "success"]
        )
        // Without a transform the input is the event's parsed payload, copied from its row, the id exact too.
        const sql = yield* PgClient.PgClient
        const [task] = yield* sql<{ same: boolean; order: string }>`
          SELECT t.input = e.parsed_payload AS same, t.input ->> 'id' AS order
          FROM task_execution t, p_eventhook__event e
          WHERE t.tenant_id = ${tenant.id} AND t.kind = 'vip' AND e.id = ${big}`.pipe(Effect.orDie)
        assert.deepStrictEqual(task, { same: true, order: "820982911946154508" })

        // A small order without a customer: the first filter is false (no action); the second cannot decide.
        const plain = yield* send(tenant.slug, "shop", small)
        const settled = yield* settledEvent(tenant.id, plain)
        assert.strictEqual(settled.status, "unrouted")
        const actions = yield* actionsOfEvent(plain)
        assert.deepStrictEqual(
          actions.map((action) => [action.status, action.error_message]),
          [["skipped", "filter: No such key: customer"]]
        )
        assert.lengthOf(yield* workflowInputs(tenant.id, "big-order"), 1)

        // The source tester judges the filters too, and shows why a route was skipped.
        const tested = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/sources/shop/test`, {
          headers: { "x-shopify-topic": "orders/create" },
          body: small
        })
        assert.deepInclude(tested.json, {
          matched_routes: [],
          skipped_routes: [{ name: "vip customers", reason: "filter: No such key: customer" }]
        })
        const testedBig = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/sources/shop/test`, {
          headers: { "x-shopify-topic": "orders/create" },
          body: sample
        })
        assert.sameMembers(testedBig.json.matched_routes, ["big orders", "vip customers"])
      })
    )

    it.effect("a failing transform fails its action for good; a broken plain-SQL filter is skipped", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "shop",
          verifier_config: { type: "none" },
          idempotency_key_paths: []
        })
        yield* routeOf(tenant.slug, {
          source: "shop",
          target_type: "workflow",
          target_config: { workflow_kind: "needs-note" },
          transform: '{"note": body.note}'
        })
        // Plain SQL, as CONTRACT §2 allows: not checked on the way in, so checked when first used.
        yield* Effect.flatMap(
          PgClient.PgClient,
          (sql) =>
            sql`INSERT INTO p_eventhook__route (source_id, tenant_id, name, target_type, target_config, filter)
              VALUES (${sourceId}, ${tenant.id}, 'from sql', 'task', ${sql.json({ task_kind: "t" })}, 'body.id >')`
        ).pipe(Effect.orDie)

        const id = yield* send(tenant.slug, "shop", small)
        const settled = yield* settledEvent(tenant.id, id)
        assert.strictEqual(settled.status, "failed")
        // Not retried: the same transform would fail the same way.
        assert.deepStrictEqual(yield* retryOf(id), [{ status: "failed", next_retry_at: null }])
        const actions = yield* actionsOfEvent(id)
        assert.sameDeepMembers(
          actions.map((action) => [action.status, action.error_message]),
          [
            ["failed", "transform: No such key: note"],
            ["skipped", "invalid filter: line 1, column 10: Unexpected token: EOF"]
          ]
        )
      })
    )

    it.effect("the dry run judges a candidate route against stored events and runs nothing", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "shop", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        const ids: Array<string> = []
        ids.push(yield* send(tenant.slug, "shop", sample))
        ids.push(yield* send(tenant.slug, "shop", small))
        ids.push(yield* send(tenant.slug, "shop", sample, "orders/updated"))
        for (const id of ids) yield* settledEvent(tenant.id, id)

        const test = (candidate: Record<string, unknown>) =>
          call("POST", `/api/tenants/${tenant.slug}/eventhook/routes/test`, { source: "shop", ...candidate })
        const report = yield* test({
          filter_event_types: ["orders/create"],
          filter: "body.customer.tags.contains('vip')",
          transform: '{"order": body.id}',
          target_type: "workflow",
          target_config: { workflow_kind: "never-run" }
        })
        assert.strictEqual(report.status, 200, report.text)
        assert.deepInclude(report.json, {
          source: "shop",
          events: 3,
          matched: 1,
          unmatched: 1,
          skipped: 1,
          transform_failed: 0
        })
        assert.deepStrictEqual(report.json.samples.matched, [
          {
            event_id: ids[0],
            event_type: "orders/create",
            received_at: report.json.samples.matched[0].received_at,
            input: { order: 820982911946154500 } // as JSON.parse reads it; the exact text is checked below
          }
        ])
        // Exact in the JSON answer too.
        assert.include(report.text, '"input":{"order":820982911946154508}')
        assert.deepStrictEqual(
          report.json.samples.unmatched.map((sample: { event_id: string; reason: string }) => [
            sample.event_id,
            sample.reason
          ]),
          [[ids[2], 'event type "orders/updated" is not in filter_event_types']]
        )
        assert.deepStrictEqual(
          report.json.samples.skipped.map((sample: { event_id: string; reason: string }) => [
            sample.event_id,
            sample.reason
          ]),
          [[ids[1], "filter: No such key: customer"]]
        )
        // Nothing ran.
        assert.lengthOf(yield* workflowInputs(tenant.id, "never-run"), 0)

        // A window of one (the newest) and the default (every stored event).
        const newest = yield* test({ limit: 1 })
        assert.deepInclude(newest.json, { events: 1, matched: 1 })
        assert.strictEqual(newest.json.samples.matched[0].event_id, ids[2])
        const future = yield* test({ since: "2999-01-01T00:00:00Z" })
        assert.deepInclude(future.json, { events: 0, matched: 0 })

        const invalid = yield* test({ filter: "body.(" })
        assert.strictEqual(invalid.status, 400)
        assert.match(invalid.json.message, /^filter: line 1, column \d+: /)
        const unknown = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/routes/test`, { source: "nope" })
        assert.strictEqual(unknown.status, 404)
      })
    )
  }
)
