import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { TenantId } from "../../src/domain/ids.ts"
import { IDEMPOTENCY_KEY_TTL_DAYS } from "../../src/host/PgHost.ts"
import { routeMatches } from "../../src/routing/matchRoutes.ts"
import { PromiseRepo } from "../../src/store/PromiseRepo.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  freshTenant,
  selectRows,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"

describe("route matching (seed tests)", () => {
  it("test_route_matches_event_type", () =>
    assert.isTrue(routeMatches({ filter_event_types: ["push", "issues"] }, "issues")))
  it("test_route_matches_all_events_when_no_filter", () => {
    assert.isTrue(routeMatches({ filter_event_types: null }, "anything"))
    assert.isTrue(routeMatches({ filter_event_types: [] }, null))
  })
  it("test_route_no_match_wrong_type", () => assert.isFalse(routeMatches({ filter_event_types: ["push"] }, "issues")))
})

const send = (tenantSlug: string, body: unknown, headers: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.post(`/api/tenants/${tenantSlug}/eventhook/in/hooks`).pipe(
        HttpClientRequest.setHeaders(headers),
        HttpClientRequest.bodyText(JSON.stringify(body), "application/json")
      )
    )
    assert.strictEqual(response.status, 200)
    return ((yield* response.json) as { event_id: string }).event_id
  }).pipe(Effect.orDie)

const rows = selectRows

const Execution = Schema.Struct({
  id: Schema.String,
  kind: Schema.String,
  queue: Schema.String,
  status: Schema.String,
  input: Schema.Unknown
})
const tasksOf = (tenantId: TenantId) =>
  rows(
    Execution,
    (sql) => sql`SELECT id::text AS id, kind, queue, status, input FROM task_execution WHERE tenant_id = ${tenantId}`
  )
const workflowsOf = (tenantId: TenantId) =>
  rows(
    Execution,
    (sql) =>
      sql`SELECT id::text AS id, kind, queue, status, input FROM workflow_execution WHERE tenant_id = ${tenantId} ORDER BY created_at`
  )
const PromiseRow = Schema.Struct({
  resolved: Schema.Boolean,
  value: Schema.Unknown,
  error: Schema.NullOr(Schema.String),
  resolved_at: Schema.NullOr(Schema.Date)
})
const promiseById = (id: string) =>
  rows(PromiseRow, (sql) => sql`SELECT resolved, value, error, resolved_at FROM promise WHERE id = ${id}`).pipe(
    Effect.map((r) => r[0]!)
  )

const newSource = (tenantId: TenantId) =>
  createSource(tenantId, { slug: "hooks", verifier_config: { type: "none" }, idempotency_key_paths: [] })

layer(TestServer({ retryBaseSeconds: 0.2 }), { excludeTestServices: true })("targets (CONTRACT §6)", (it) => {
  it.effect("test_webhook_triggers_task", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "task",
        target_config: { task_kind: "send-email", queue: "mail" }
      })
      const eventId = yield* send(tenant.slug, { type: "user.created", email: "a@example.com" })
      assert.strictEqual((yield* settledEvent(tenant.id, eventId)).status, "delivered")
      const [task, ...more] = yield* tasksOf(tenant.id)
      assert.strictEqual(more.length, 0)
      assert.deepStrictEqual([task?.kind, task?.queue, task?.status], ["send-email", "mail", "PENDING"])
      assert.deepStrictEqual(task?.input, { type: "user.created", email: "a@example.com" })
      const [action] = yield* actionsOfEvent(eventId)
      assert.strictEqual(action?.task_execution_id, task?.id)
    })
  )

  it.effect("test_webhook_resolves_promise (once: a second resolution changes nothing)", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      const promiseId = yield* (yield* PromiseRepo).register(
        tenant.id,
        "payment",
        "pay:ord_1",
        IDEMPOTENCY_KEY_TTL_DAYS
      )
      yield* createRoute(tenant.id, sourceId, {
        target_type: "promise",
        target_config: {
          idempotency_key_path: "body.order",
          idempotency_key_prefix: "pay:",
          resolve: true,
          value_path: "body.result"
        }
      })
      const first = yield* send(tenant.slug, { order: "ord_1", result: { paid: true, amount: 42 } })
      assert.strictEqual((yield* settledEvent(tenant.id, first)).status, "delivered")
      const resolved = yield* promiseById(promiseId)
      assert.isTrue(resolved.resolved)
      assert.deepStrictEqual(resolved.value, { paid: true, amount: 42 })
      assert.isNull(resolved.error)

      const second = yield* send(tenant.slug, { order: "ord_1", result: { paid: false } })
      assert.strictEqual((yield* settledEvent(tenant.id, second)).status, "delivered")
      const [action] = yield* actionsOfEvent(second)
      assert.strictEqual(action?.status, "success")
      assert.strictEqual(action?.promise_id, promiseId)
      const unchanged = yield* promiseById(promiseId)
      assert.deepStrictEqual(unchanged.value, { paid: true, amount: 42 })
      assert.strictEqual(unchanged.resolved_at?.getTime(), resolved.resolved_at?.getTime())
    })
  )

  it.effect("test_webhook_rejects_promise with the error at error_path, or the default", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      const promises = yield* PromiseRepo
      const withError = yield* promises.register(tenant.id, "a", "job-1", IDEMPOTENCY_KEY_TTL_DAYS)
      const withDefault = yield* promises.register(tenant.id, "b", "job-2", IDEMPOTENCY_KEY_TTL_DAYS)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "promise",
        target_config: { idempotency_key_path: "header.x-job", resolve: false, error_path: "body.error.message" }
      })
      const a = yield* send(tenant.slug, { error: { message: "card declined" } }, { "x-job": "job-1" })
      const b = yield* send(tenant.slug, { status: "failed" }, { "x-job": "job-2" })
      yield* settledEvent(tenant.id, a)
      yield* settledEvent(tenant.id, b)
      const rejected = yield* promiseById(withError)
      assert.deepStrictEqual([rejected.resolved, rejected.error, rejected.value], [true, "card declined", null])
      assert.strictEqual((yield* promiseById(withDefault)).error, "Rejected via webhook")
    })
  )

  it.effect("a promise not registered yet fails the action, and the retry delivers once it is", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "promise",
        target_config: { idempotency_key_path: "body.id", resolve: true }
      })
      const eventId = yield* send(tenant.slug, { id: "late-1", ok: true })
      const failed = yield* settledEvent(tenant.id, eventId)
      assert.strictEqual(failed.status, "failed")
      assert.match(failed.last_error ?? "", /no promise is registered/)
      assert.isNotNull(failed.next_retry_at)
      const promiseId = yield* (yield* PromiseRepo).register(tenant.id, "late", "late-1", IDEMPOTENCY_KEY_TTL_DAYS)
      const delivered = yield* settledEvent(tenant.id, eventId).pipe(
        Effect.repeat({
          schedule: Schedule.spaced("50 millis"),
          until: (row) => row.status === "delivered",
          times: 200
        })
      )
      assert.strictEqual(delivered.status, "delivered")
      assert.isAtLeast(delivered.retry_count, 1)
      assert.deepStrictEqual((yield* promiseById(promiseId)).value, { id: "late-1", ok: true })
      const actions = yield* actionsOfEvent(eventId)
      assert.deepStrictEqual(
        actions.map((action) => action.status),
        ["failed", "success"]
      )
    })
  )

  it.effect("target idempotency across two events: the same key returns the existing workflow", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "charge", idempotency_key_path: "body.charge" }
      })
      const first = yield* send(tenant.slug, { charge: "ch_1", attempt: 1 })
      const second = yield* send(tenant.slug, { charge: "ch_1", attempt: 2 })
      yield* settledEvent(tenant.id, first)
      assert.strictEqual((yield* settledEvent(tenant.id, second)).status, "delivered")
      const workflows = yield* workflowsOf(tenant.id)
      assert.strictEqual(workflows.length, 1)
      const [a] = yield* actionsOfEvent(first)
      const [b] = yield* actionsOfEvent(second)
      assert.strictEqual(a?.workflow_execution_id, workflows[0]!.id)
      assert.strictEqual(b?.workflow_execution_id, workflows[0]!.id)
    })
  )

  it.effect("test_webhook_event_type_filtering", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "on-paid" },
        filter_event_types: ["invoice.paid"]
      })
      const other = yield* send(tenant.slug, { type: "invoice.created" })
      const paid = yield* send(tenant.slug, { type: "invoice.paid" })
      assert.strictEqual((yield* settledEvent(tenant.id, other)).status, "unrouted")
      assert.strictEqual((yield* settledEvent(tenant.id, paid)).status, "delivered")
      assert.deepStrictEqual(
        (yield* workflowsOf(tenant.id)).map((w) => w.kind),
        ["on-paid"]
      )
    })
  )

  it.effect("test_multiple_routes_executed_in_priority_order (equal priorities together, lower tiers after)", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      const route = (priority: number, kind: string) =>
        createRoute(tenant.id, sourceId, { priority, target_type: "workflow", target_config: { workflow_kind: kind } })
      const low = yield* route(1, "low")
      const highA = yield* route(5, "high-a")
      const highB = yield* route(5, "high-b")
      const top = yield* route(9, "top")
      const eventId = yield* send(tenant.slug, { type: "x" })
      yield* settledEvent(tenant.id, eventId)
      const actions = yield* actionsOfEvent(eventId)
      const of = (id: string) => actions.find((action) => action.route_id === id)!
      const startOf = (id: string) => of(id).started_at!.getTime()
      const endOf = (id: string) => of(id).completed_at!.getTime()
      assert.isTrue(startOf(highA) >= endOf(top) && startOf(highB) >= endOf(top))
      assert.isTrue(startOf(low) >= Math.max(endOf(highA), endOf(highB)))
      assert.isTrue(actions.every((action) => action.status === "success"))
    })
  )
})
