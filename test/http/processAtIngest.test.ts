import { PgClient } from "@effect/sql-pg"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { version as uuidVersion } from "uuid"
import type { EventId, TenantId } from "../../src/domain/ids.ts"
import { postWebhook } from "../support/http.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  freshTenant,
  selectRows,
  settledEvent,
  TestServer
} from "../support/TestLayers.ts"
import { insertTrigger } from "../support/triggers.ts"

// Issue 22: an event whose routes only start workflows or create tasks of the reference host is processed by the
// statement that stores it. Its row says so: `processed_at` is `received_at` (one transaction's now()), where
// an event processed after the response is finished by a later transaction.

interface Answer {
  readonly event_id: EventId
  readonly status: string
  readonly duplicate_of?: string
}

const send = (tenantSlug: string, body: unknown, headers: Record<string, string> = {}) =>
  postWebhook<Answer>(`/api/tenants/${tenantSlug}/eventhook/in/hooks`, JSON.stringify(body), headers).pipe(
    Effect.map((answer) => {
      assert.strictEqual(answer.status, 200)
      return answer.json
    })
  )

const rows = selectRows

const Execution = Schema.Struct({ id: Schema.String, kind: Schema.String, queue: Schema.String, input: Schema.Unknown })
const executionsOf = (table: "workflow_execution" | "task_execution", tenantId: TenantId) =>
  rows(
    Execution,
    (sql) => sql`SELECT id::text AS id, kind, queue, input FROM ${sql(table)} WHERE tenant_id = ${tenantId}`
  )
const Key = Schema.Struct({
  key: Schema.String,
  workflow_execution_id: Schema.NullOr(Schema.String),
  task_execution_id: Schema.NullOr(Schema.String),
  days: Schema.Number
})
const keysOf = (tenantId: TenantId) =>
  rows(
    Key,
    (sql) => sql`SELECT key, workflow_execution_id::text AS workflow_execution_id,
                   task_execution_id::text AS task_execution_id,
                   round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days
                 FROM idempotency_key WHERE tenant_id = ${tenantId} ORDER BY key`
  )
const Lease = Schema.Struct({ locked_by: Schema.NullOr(Schema.String), locked_until: Schema.NullOr(Schema.Date) })
const leaseOf = (eventId: EventId) =>
  rows(Lease, (sql) => sql`SELECT locked_by, locked_until FROM p_eventhook__event WHERE id = ${eventId}`).pipe(
    Effect.map((found) => found[0]!)
  )

/** The event's row as the 200 left it: read once, right after, without waiting for anything. */
const rowNow = (tenantId: TenantId, eventId: EventId) =>
  Effect.map(eventsOfTenant(tenantId), (events) => events.find((event) => event.id === eventId)!)

const newSource = (tenantId: TenantId) =>
  createSource(tenantId, {
    slug: "hooks",
    verifier_config: { type: "none" },
    idempotency_key_paths: ["header.x-delivery"]
  })

const issue = { action: "opened", issue: { number: 7, title: "crash" } }

/** A fresh tenant whose source routes every event to a workflow of `kind`. */
const withWorkflowRoute = (kind = "on-issue") =>
  Effect.gen(function* () {
    const tenant = yield* freshTenant
    const sourceId = yield* newSource(tenant.id)
    yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: kind } })
    return { tenant, sourceId }
  })

layer(TestServer({ retryBaseSeconds: 0.2 }), { excludeTestServices: true })("processed at ingest (issue 22)", (it) => {
  it.effect("workflow and task routes: the 200 follows the executions, their keys and actions, in tier order", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      const taskRoute = yield* createRoute(tenant.id, sourceId, {
        target_type: "task",
        target_config: { task_kind: "triage", queue: "slow" },
        transform: '{"number": body.issue.number}'
      })
      const workflowRoute = yield* createRoute(tenant.id, sourceId, {
        priority: 10,
        target_type: "workflow",
        target_config: { workflow_kind: "on-issue" }
      })
      const answer = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
      assert.strictEqual(answer.status, "pending")
      const event = yield* rowNow(tenant.id, answer.event_id)
      assert.strictEqual(event.status, "delivered")
      assert.deepStrictEqual(event.processed_at, event.received_at)
      assert.deepStrictEqual(yield* leaseOf(answer.event_id), { locked_by: null, locked_until: null })

      const [workflow, ...moreWorkflows] = yield* executionsOf("workflow_execution", tenant.id)
      const [task, ...moreTasks] = yield* executionsOf("task_execution", tenant.id)
      assert.deepStrictEqual([moreWorkflows.length, moreTasks.length], [0, 0])
      assert.deepStrictEqual([workflow?.kind, workflow?.queue, workflow?.input], ["on-issue", "default", issue])
      assert.deepStrictEqual([task?.kind, task?.queue, task?.input], ["triage", "slow", { number: 7 }])
      assert.deepStrictEqual(
        yield* keysOf(tenant.id),
        [
          {
            key: `eventhook:${answer.event_id}:${taskRoute}`,
            workflow_execution_id: null,
            task_execution_id: task!.id,
            days: 7
          },
          {
            key: `eventhook:${answer.event_id}:${workflowRoute}`,
            workflow_execution_id: workflow!.id,
            task_execution_id: null,
            days: 7
          }
        ].sort((a, b) => (a.key < b.key ? -1 : 1))
      )
      const actions = yield* actionsOfEvent(answer.event_id)
      assert.deepStrictEqual(
        actions.map((action) => [
          action.route_id,
          action.target_type,
          action.status,
          action.workflow_execution_id,
          action.task_execution_id,
          action.error_message
        ]),
        [
          [workflowRoute, "workflow", "success", workflow!.id, null, null],
          [taskRoute, "task", "success", null, task!.id, null]
        ]
      )
      // Every row id the statement wrote is time-ordered (version 7), so it lands at the end of its index.
      assert.deepStrictEqual(
        [answer.event_id, workflow!.id, task!.id, ...actions.map((action) => action.id)].map(uuidVersion),
        [7, 7, 7, 7, 7]
      )
    })
  )

  it.effect("a repeat is a duplicate and launches nothing; an event no route matches is unrouted at once", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* newSource(tenant.id)
      yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "on-issue" },
        filter_event_types: null,
        filter: 'body.action == "opened"'
      })
      const first = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
      const repeat = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
      assert.deepStrictEqual([repeat.status, repeat.duplicate_of], ["duplicate", first.event_id])
      assert.strictEqual((yield* executionsOf("workflow_execution", tenant.id)).length, 1)
      assert.strictEqual((yield* keysOf(tenant.id)).length, 1)
      assert.strictEqual((yield* actionsOfEvent(repeat.event_id)).length, 0)

      const closed = yield* send(tenant.slug, { ...issue, action: "closed" }, { "x-delivery": "d-2" })
      const unrouted = yield* rowNow(tenant.id, closed.event_id)
      assert.strictEqual(unrouted.status, "unrouted")
      assert.deepStrictEqual(unrouted.processed_at, unrouted.received_at)
      assert.strictEqual((yield* executionsOf("workflow_execution", tenant.id)).length, 1)
    })
  )

  it.effect(
    "the same delivery sent many times at once: one event launches, one workflow, every other a duplicate",
    () =>
      Effect.gen(function* () {
        const { tenant } = yield* withWorkflowRoute()
        // Sent together, they share batches: a repeat may be turned away by a row of its own statement.
        const answers = yield* Effect.forEach(
          Array.from({ length: 20 }, () => send(tenant.slug, issue, { "x-delivery": "d-storm" })),
          (sent) => sent,
          { concurrency: "unbounded" }
        )
        const accepted = answers.filter((answer) => answer.status === "pending")
        assert.strictEqual(accepted.length, 1)
        assert.isTrue(
          answers.every((answer) => answer.status === "pending" || answer.duplicate_of === accepted[0]!.event_id)
        )
        const [workflow, ...more] = yield* executionsOf("workflow_execution", tenant.id)
        assert.strictEqual(more.length, 0)
        assert.deepStrictEqual(
          (yield* keysOf(tenant.id)).map((key) => [key.key, key.workflow_execution_id]),
          [
            [
              `eventhook:${accepted[0]!.event_id}:${(yield* actionsOfEvent(accepted[0]!.event_id))[0]!.route_id}`,
              workflow!.id
            ]
          ]
        )
        const events = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(events.map((event) => event.status).sort(), [
          "delivered",
          ...Array.from({ length: 19 }, () => "duplicate")
        ])
      })
  )

  it.effect("a route ingest cannot finish alone sends the whole event to processing after the response", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* withWorkflowRoute()
      // The key comes from the payload: it may name an execution that exists, which only processing can look up.
      yield* createRoute(tenant.id, sourceId, {
        target_type: "task",
        target_config: { task_kind: "triage", idempotency_key_path: "body.issue.number" }
      })
      const answer = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
      const event = yield* settledEvent(tenant.id, answer.event_id)
      assert.strictEqual(event.status, "delivered")
      assert.isTrue(event.processed_at!.getTime() > event.received_at.getTime())
      const keys = (yield* keysOf(tenant.id)).map((key) => key.key)
      assert.strictEqual(keys.length, 2)
      assert.isTrue(keys.some((key) => key.endsWith(":7")))
      // Launched and recorded by processing: its ids are time-ordered too.
      const executions = [
        ...(yield* executionsOf("workflow_execution", tenant.id)),
        ...(yield* executionsOf("task_execution", tenant.id))
      ]
      const actions = yield* actionsOfEvent(answer.event_id)
      assert.deepStrictEqual(
        [...executions, ...actions].map((row) => uuidVersion(row.id)),
        [7, 7, 7, 7]
      )
    })
  )

  describe("when the statement cannot write a launch", () => {
    it.effect("the events are stored without it and processed after the response; nothing is lost", () =>
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const tenant = yield* freshTenant
        const sourceId = yield* newSource(tenant.id)
        // A host table that turns down the first workflow of this kind (a sequence is not rolled back with the
        // statement, so the second attempt passes).
        const kind = `refused-once-${tenant.slug}`
        const name = `refuse_${tenant.slug.replaceAll("-", "_")}`
        yield* sql.unsafe(`CREATE SEQUENCE ${name}`)
        yield* Effect.addFinalizer(() => Effect.orDie(sql.unsafe(`DROP SEQUENCE ${name}`)))
        yield* insertTrigger(
          "workflow_execution",
          name,
          `IF NEW.kind = '${kind}' AND nextval('${name}') = 1 THEN RAISE EXCEPTION 'not this one'; END IF;`
        )
        yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: kind } })
        const answer = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
        const event = yield* settledEvent(tenant.id, answer.event_id)
        assert.strictEqual(event.status, "delivered")
        assert.isTrue(event.processed_at!.getTime() > event.received_at.getTime())
        const workflows = yield* executionsOf("workflow_execution", tenant.id)
        assert.deepStrictEqual(
          workflows.map((workflow) => [workflow.kind, workflow.input]),
          [[kind, issue]]
        )
        const [action, ...more] = yield* actionsOfEvent(answer.event_id)
        assert.deepStrictEqual(
          [action?.status, action?.workflow_execution_id, more.length],
          ["success", workflows[0]!.id, 0]
        )
      }).pipe(Effect.scoped)
    )
  })
})

layer(TestServer({ processAtIngest: false }), { excludeTestServices: true })(
  "EVENTHOOK_PROCESS_AT_INGEST=false",
  (it) => {
    it.effect("every event is processed after the response", () =>
      Effect.gen(function* () {
        const { tenant } = yield* withWorkflowRoute()
        const answer = yield* send(tenant.slug, issue, { "x-delivery": "d-1" })
        const event = yield* settledEvent(tenant.id, answer.event_id)
        assert.strictEqual(event.status, "delivered")
        assert.isTrue(event.processed_at!.getTime() > event.received_at.getTime())
        assert.strictEqual((yield* executionsOf("workflow_execution", tenant.id)).length, 1)
      })
    )
  }
)
