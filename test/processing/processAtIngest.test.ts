import { assert, describe, it } from "@effect/vitest"
import { type EventForProcessing, newEventForProcessing } from "../../src/domain/Event.ts"
import { EventId, RouteId, SourceId, TenantId } from "../../src/domain/ids.ts"
import type { EnabledRoute } from "../../src/domain/Route.ts"
import { processAtIngest } from "../../src/processing/processAtIngest.ts"

const tenant = TenantId.make("00000000-0000-4000-8000-000000000001")
const source = SourceId.make("00000000-0000-4000-8000-000000000002")
const eventId = EventId.make("00000000-0000-4000-8000-0000000000ee")

const event: EventForProcessing = newEventForProcessing(
  eventId,
  {
    tenant_id: tenant,
    source_id: source,
    content_type: "application/json",
    raw_payload: new TextEncoder().encode('{"action":"opened","number":7}'),
    parsed_payload: { action: "opened", number: 7 },
    headers: { "x-github-event": "issues" },
    event_type: "issues",
    idempotency_key: "d-1",
    status: "pending",
    max_retries: 3,
    last_error: null,
    verified: true,
    verification_error: null,
    verified_secret_index: 0,
    source_ip: null
  },
  new Date("2026-12-05T12:00:00Z")
)

let created = 0
const route = (fields: Partial<EnabledRoute> & Pick<EnabledRoute, "target_type" | "target_config">): EnabledRoute => {
  created++
  return {
    id: RouteId.make(`00000000-0000-4000-8000-${String(created).padStart(12, "0")}`),
    source_id: source,
    tenant_id: tenant,
    name: `route ${created}`,
    priority: 0,
    is_enabled: true,
    filter_event_types: null,
    filter: null,
    transform: null,
    created_at: new Date(1_700_000_000_000 + created),
    source_slug: "github",
    ...fields
  }
}
const workflow = (fields: Partial<EnabledRoute> = {}) =>
  route({ target_type: "workflow", target_config: { workflow_kind: "on-issue" }, ...fields })
const both = { workflow: true, task: true }

describe("processAtIngest: what the event's own statement may do", () => {
  it("workflows and tasks of the reference host: launched in tier order, under the keys processing would claim", () => {
    const low = route({ target_type: "task", target_config: { task_kind: "triage", queue: "slow" } })
    const high = workflow({ priority: 10, transform: '{"n": body.number}' })
    const processed = processAtIngest([low, high], event, both)
    assert.isNotNull(processed)
    assert.strictEqual(processed!.status, "delivered")
    assert.deepStrictEqual(
      processed!.launches.map(({ execution_id, ...launch }) => launch),
      [
        {
          route_id: high.id,
          target_type: "workflow",
          kind: "on-issue",
          queue: "default",
          transformed: { value: { n: 7 } },
          idempotency_key: `eventhook:${eventId}:${high.id}`
        },
        {
          route_id: low.id,
          target_type: "task",
          kind: "triage",
          queue: "slow",
          transformed: null,
          idempotency_key: `eventhook:${eventId}:${low.id}`
        }
      ]
    )
    const [first, second] = processed!.launches.map((launch) => launch.execution_id)
    assert.match(first!, /^[0-9a-f-]{36}$/)
    assert.notStrictEqual(first, second)
  })

  it("no route matches: unrouted, nothing launched", () => {
    assert.deepStrictEqual(processAtIngest([workflow({ filter_event_types: ["push"] })], event, both), {
      status: "unrouted",
      launches: []
    })
    assert.deepStrictEqual(processAtIngest([], event, both), { status: "unrouted", launches: [] })
    // A filter that says no is no match either.
    assert.deepStrictEqual(processAtIngest([workflow({ filter: 'body.action == "closed"' })], event, both), {
      status: "unrouted",
      launches: []
    })
  })

  it("a filter that says yes is a match like any other", () => {
    const processed = processAtIngest([workflow({ filter: 'body.action == "opened"' })], event, both)
    assert.strictEqual(processed?.status, "delivered")
    assert.strictEqual(processed?.launches.length, 1)
  })

  it("anything else is processed after the response: the whole event, not a part of it", () => {
    const http = route({ target_type: "http", target_config: { url: "https://example.com/hook" } })
    const promise = route({
      target_type: "promise",
      target_config: { idempotency_key_path: "body.number", resolve: true }
    })
    const cases: ReadonlyArray<readonly [string, ReadonlyArray<EnabledRoute>, typeof both]> = [
      ["an http target", [workflow(), http], both],
      ["a promise target", [promise], both],
      [
        "a key taken from the payload (it may name an execution that exists)",
        [workflow({ target_config: { workflow_kind: "k", idempotency_key_path: "body.number" } })],
        both
      ],
      ["a host's own workflow launcher", [workflow()], { workflow: false, task: true }],
      [
        "a host's own task launcher",
        [route({ target_type: "task", target_config: { task_kind: "t" } })],
        { workflow: true, task: false }
      ],
      ["a filter that cannot decide", [workflow({ filter: "body.missing > 5" })], both],
      ["a transform that fails", [workflow({ transform: '{"n": body.missing}' })], both],
      [
        "a target config that does not decode",
        [route({ target_type: "workflow", target_config: { queue: "q" } })],
        both
      ]
    ]
    for (const [name, routes, reference] of cases) assert.isNull(processAtIngest(routes, event, reference), name)
  })
})
