import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Schema } from "effect"
import { HttpClient } from "effect/http"
import { postWebhook } from "../support/http.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  freshTenant,
  settledEvent,
  TestDatabase,
  TestServer
} from "../support/TestLayers.ts"
import githubVectors from "../vectors/github.json" with { type: "json" }

const post = postWebhook

const ingestPath = (tenant: string, source: string) => `/api/tenants/${tenant}/eventhook/in/${source}`

const SECRET = "It's a Secret to Everybody"
const githubSource = { slug: "github", verifier_config: { type: "github", secret: SECRET } }

const WorkflowRow = Schema.Struct({
  id: Schema.String,
  kind: Schema.String,
  queue: Schema.String,
  status: Schema.String,
  input: Schema.Unknown
})
const workflowsOfTenant = (tenantId: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const rows = yield* sql`SELECT id::text AS id, kind, queue, status, input FROM workflow_execution
                            WHERE tenant_id = ${tenantId} ORDER BY created_at`
    return yield* Schema.decodeUnknownEffect(Schema.Array(WorkflowRow))(rows)
  }).pipe(Effect.orDie)

// Every case on both ways to the endpoint: the standalone Node service's listener and the router's route (a host's).
for (const way of ["node listener", "router"] as const)
  layer(TestServer({}, TestDatabase, way), { excludeTestServices: true })(`ingest endpoint (${way})`, (it) => {
    it.effect("test_ingest_endpoint_returns_404_for_unknown_source", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const unknownSource = yield* post(ingestPath(tenant.slug, "nope"), "{}", {})
        assert.strictEqual(unknownSource.status, 404)
        assert.deepStrictEqual(unknownSource.json, { error: "not_found", message: "no such source" })
        const unknownTenant = yield* post(ingestPath("no-such-tenant", "github"), "{}", {})
        assert.strictEqual(unknownTenant.status, 404)
        assert.deepStrictEqual(unknownTenant.json, unknownSource.json)
        assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      })
    )

    it.effect("a disabled source answers 404 like an unknown one and stores nothing", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { ...githubSource, is_enabled: false })
        const payload = '{"zen":"disabled"}'
        const response = yield* post(ingestPath(tenant.slug, "github"), payload, {
          "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, payload))
        })
        assert.strictEqual(response.status, 404)
        assert.deepStrictEqual(response.json, { error: "not_found", message: "no such source" })
        assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      })
    )

    it.effect("test_ingest_endpoint_returns_401_for_invalid_signature", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, githubSource)
        const payload = '{"action":"opened"}'
        const forged = yield* Effect.promise(() => sign("not the secret", payload))
        const response = yield* post(ingestPath(tenant.slug, "github"), payload, { "x-hub-signature-256": forged })
        assert.strictEqual(response.status, 401)
        assert.deepStrictEqual(response.json, {
          error: "verification_failed",
          message: "verification failed: signature_mismatch"
        })
        const missing = yield* post(ingestPath(tenant.slug, "github"), payload, {})
        assert.strictEqual(missing.status, 401)

        const [mismatch, noHeader] = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(mismatch?.status, "rejected")
        assert.isFalse(mismatch?.verified)
        assert.match(mismatch?.verification_error ?? "", /^signature_mismatch: /)
        assert.strictEqual(new TextDecoder().decode(mismatch?.raw_payload), payload)
        assert.strictEqual(noHeader?.status, "rejected")
        assert.match(noHeader?.verification_error ?? "", /^missing_header: x-hub-signature-256/)
      })
    )

    it.effect("test_ingest_endpoint_stores_event_on_success", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, githubSource)
        const payload = '{"action":"opened","number":7}'
        const response = yield* post(ingestPath(tenant.slug, "github"), payload, {
          "content-type": "application/json",
          "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, payload)),
          "X-GitHub-Event": "pull_request",
          authorization: "Bearer not-for-storage",
          cookie: "session=secret"
        })
        assert.strictEqual(response.status, 200)
        const body = response.json as { event_id: string; status: string }
        assert.strictEqual(body.status, "pending")
        assert.match(body.event_id, /^[0-9a-f-]{36}$/)

        const [event] = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(event?.id, body.event_id)
        assert.strictEqual(new TextDecoder().decode(event?.raw_payload), payload)
        assert.deepStrictEqual(event?.parsed_payload, { action: "opened", number: 7 })
        assert.strictEqual(event?.event_type, "pull_request")
        assert.strictEqual(event?.content_type, "application/json")
        assert.isTrue(event?.verified)
        assert.strictEqual(event?.headers["x-github-event"], "pull_request")
        assert.strictEqual(event?.headers.authorization, "[redacted]")
        assert.strictEqual(event?.headers.cookie, "[redacted]")
        assert.include(["127.0.0.1", "::1"], event?.source_ip)
        // No route: processing settles it as unrouted.
        assert.strictEqual((yield* settledEvent(tenant.id, body.event_id)).status, "unrouted")
      })
    )

    it.effect("test_webhook_triggers_workflow", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, githubSource)
        const routeId = yield* createRoute(tenant.id, sourceId, {
          target_type: "workflow",
          target_config: { workflow_kind: "process-github-event", queue: "webhooks" }
        })
        const payload = '{"action":"opened","issue":{"number":42}}'
        const response = yield* post(ingestPath(tenant.slug, "github"), payload, {
          "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, payload)),
          "x-github-event": "issues"
        })
        assert.strictEqual(response.status, 200)
        const eventId = (response.json as { event_id: string }).event_id

        const event = yield* settledEvent(tenant.id, eventId)
        assert.strictEqual(event.status, "delivered")
        assert.isNotNull(event.processed_at)
        const [workflow, ...others] = yield* workflowsOfTenant(tenant.id)
        assert.strictEqual(others.length, 0)
        assert.strictEqual(workflow?.kind, "process-github-event")
        assert.strictEqual(workflow?.queue, "webhooks")
        assert.strictEqual(workflow?.status, "PENDING")
        assert.deepStrictEqual(workflow?.input, { action: "opened", issue: { number: 42 } })
        const [action, ...moreActions] = yield* actionsOfEvent(eventId)
        assert.strictEqual(moreActions.length, 0)
        assert.strictEqual(action?.route_id, routeId)
        assert.strictEqual(action?.target_type, "workflow")
        assert.strictEqual(action?.status, "success")
        assert.strictEqual(action?.workflow_execution_id, workflow?.id)
        assert.isTrue(action!.completed_at!.getTime() >= action!.started_at!.getTime())
      })
    )

    it.effect("malformed JSON is 400 invalid_payload and stored as failed with the reason", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, githubSource)
        const payload = '{"action": "opened",'
        const response = yield* post(ingestPath(tenant.slug, "github"), payload, {
          "content-type": "application/json",
          "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, payload))
        })
        assert.strictEqual(response.status, 400)
        const body = response.json as { error: string; message: string }
        assert.strictEqual(body.error, "invalid_payload")
        assert.match(body.message, /not valid JSON/)
        const [event] = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(event?.status, "failed")
        assert.match(event?.last_error ?? "", /^invalid_payload: body is not valid JSON/)
        assert.strictEqual(new TextDecoder().decode(event?.raw_payload), payload)
      })
    )

    it.effect("a multibyte UTF-8 body signed by the GitHub SDK verifies and is stored byte for byte", () =>
      Effect.gen(function* () {
        const vector = githubVectors.vectors.find((v) => new TextEncoder().encode(v.payload).length > v.payload.length)!
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "github", verifier_config: { type: "github", secret: vector.secret } })
        const bytes = new TextEncoder().encode(vector.payload)
        const response = yield* post(ingestPath(tenant.slug, "github"), bytes, {
          "content-type": "application/json; charset=utf-8",
          "x-hub-signature-256": vector.signature
        })
        assert.strictEqual(response.status, 200)
        const [event] = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(event?.raw_payload, bytes)
        assert.deepStrictEqual(event?.parsed_payload, JSON.parse(vector.payload))
      })
    )

    it.effect("routes run by priority, filtered by event type; a repeat key is stored as a duplicate", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "hooks",
          verifier_config: { type: "api_key", header: "X-Api-Key", value: "k3y" },
          idempotency_key_paths: ["header.x-delivery", "body.id"]
        })
        const high = yield* createRoute(tenant.id, sourceId, {
          priority: 10,
          target_type: "workflow",
          target_config: { workflow_kind: "first" }
        })
        const low = yield* createRoute(tenant.id, sourceId, {
          priority: 1,
          target_type: "workflow",
          target_config: { workflow_kind: "second" },
          filter_event_types: ["order.created"]
        })
        yield* createRoute(tenant.id, sourceId, {
          priority: 5,
          target_type: "workflow",
          target_config: { workflow_kind: "never" },
          filter_event_types: ["order.deleted"]
        })
        const payload = '{"id":"evt_1","type":"order.created"}'
        const headers = { "x-api-key": "k3y" }
        const first = yield* post(ingestPath(tenant.slug, "hooks"), payload, headers)
        assert.strictEqual(first.status, 200)
        const firstId = (first.json as { event_id: string }).event_id
        const repeat = yield* post(ingestPath(tenant.slug, "hooks"), payload, headers)
        assert.strictEqual(repeat.status, 200)
        const repeatBody = repeat.json as { event_id: string; status: string; duplicate_of: string }
        assert.strictEqual(repeatBody.status, "duplicate")
        assert.strictEqual(repeatBody.duplicate_of, firstId)
        assert.notStrictEqual(repeatBody.event_id, firstId)

        assert.strictEqual((yield* settledEvent(tenant.id, firstId)).status, "delivered")
        const actions = yield* actionsOfEvent(firstId)
        assert.deepStrictEqual(
          actions.map((action) => action.route_id),
          [high, low]
        )
        assert.isTrue(actions[1]!.started_at!.getTime() >= actions[0]!.completed_at!.getTime())
        const kinds = (yield* workflowsOfTenant(tenant.id)).map((workflow) => workflow.kind)
        assert.deepStrictEqual(kinds, ["first", "second"])

        const rows = yield* eventsOfTenant(tenant.id)
        const duplicate = rows.find((row) => row.id === repeatBody.event_id)
        assert.strictEqual(duplicate?.status, "duplicate")
        assert.isTrue(duplicate?.is_duplicate)
        assert.strictEqual(duplicate?.idempotency_key, "evt_1")
        assert.strictEqual(duplicate?.headers["x-api-key"], "[redacted]")
      })
    )

    it.effect("50 concurrent copies of one GitHub delivery: one accepted and processed, 49 duplicates", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, githubSource)
        yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "once" } })
        const payload = '{"action":"opened","number":50}'
        const headers = {
          "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, payload)),
          "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          "x-github-hook-id": "292430182"
        }
        const answers = yield* Effect.forEach(
          Array.from({ length: 50 }),
          () => post(ingestPath(tenant.slug, "github"), payload, headers),
          { concurrency: "unbounded" }
        )
        const bodies = answers.map(
          (answer) => answer.json as { status: string; event_id: string; duplicate_of?: string }
        )
        assert.isTrue(answers.every((answer) => answer.status === 200))
        const accepted = bodies.filter((body) => body.status === "pending")
        assert.strictEqual(accepted.length, 1)
        assert.isTrue(
          bodies
            .filter((body) => body.status === "duplicate")
            .every((body) => body.duplicate_of === accepted[0]!.event_id)
        )
        assert.strictEqual((yield* settledEvent(tenant.id, accepted[0]!.event_id)).status, "delivered")
        const rows = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(rows.length, 50)
        assert.strictEqual(rows.filter((row) => row.status === "duplicate").length, 49)
        assert.isTrue(rows.every((row) => row.idempotency_key === "292430182:72d3162e-cc78-11e3-81ab-4c9367dc0958"))
        assert.strictEqual((yield* workflowsOfTenant(tenant.id)).length, 1)
      })
    )

    it.effect("multipart with a file is parsed to fields and a file note; an empty body is accepted as null", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const form = new FormData()
        form.append("event", "upload.done")
        form.append("report", new Blob(["%PDF-1.7 ☃"], { type: "application/pdf" }), "report.pdf")
        const encoded = new Response(form)
        const body = new Uint8Array(yield* Effect.promise(() => encoded.arrayBuffer()))
        const contentType = encoded.headers.get("content-type")!
        assert.strictEqual(
          (yield* post(ingestPath(tenant.slug, "open"), body, { "content-type": contentType })).status,
          200
        )
        const broken = yield* post(ingestPath(tenant.slug, "open"), body.slice(0, 30), { "content-type": contentType })
        assert.strictEqual(broken.status, 400)
        const empty = yield* post(ingestPath(tenant.slug, "open"), new Uint8Array(), {
          "content-type": "application/json"
        })
        assert.strictEqual(empty.status, 200)
        const [multipart, failed, emptyEvent] = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(multipart?.parsed_payload, {
          event: "upload.done",
          report: {
            filename: "report.pdf",
            content_type: "application/pdf",
            size: new TextEncoder().encode("%PDF-1.7 ☃").length
          }
        })
        assert.strictEqual(multipart?.event_type, "upload.done")
        assert.deepStrictEqual(multipart?.raw_payload, body)
        assert.strictEqual(failed?.status, "failed")
        assert.strictEqual(emptyEvent?.raw_payload.length, 0)
        assert.isNull(emptyEvent?.parsed_payload)
      })
    )

    it.effect("a source whose verifier config does not decode rejects every request", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "broken", verifier_config: { type: "hmac", header: "x-sig" } })
        const response = yield* post(ingestPath(tenant.slug, "broken"), "{}", { "x-sig": "anything" })
        assert.strictEqual(response.status, 401)
        assert.deepStrictEqual(response.json, {
          error: "verification_failed",
          message: "verification failed: invalid_config"
        })
        const [event] = yield* eventsOfTenant(tenant.id)
        assert.strictEqual(event?.status, "rejected")
        assert.match(event?.verification_error ?? "", /^invalid_config: /)
      })
    )

    it.effect("JSON bodies' parsed payloads: documents parsed by the database, a BOM, null and scalars as before", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const json = { "content-type": "application/json" }
        const document =
          '{"order": 820982911946154508, "price": 1.50, "hundred": 1e2, "name": "caf\\u00e9", "list": [1, 2]}'
        const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"kind": "bom"}')])
        // Sent together, so they share batches: a body the database must not parse rides with ones it parses.
        const answers = yield* Effect.all(
          [
            post(ingestPath(tenant.slug, "open"), document, json),
            post(ingestPath(tenant.slug, "open"), withBom, json),
            post(ingestPath(tenant.slug, "open"), "null", json),
            post(ingestPath(tenant.slug, "open"), '"just a string"', json),
            post(ingestPath(tenant.slug, "open"), '[true, {"a": null}]', { "content-type": "application/vnd.x+json" })
          ],
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(
          answers.map((answer) => answer.status),
          [200, 200, 200, 200, 200]
        )
        const ids = answers.map((answer) => (answer.json as { event_id: string }).event_id)
        const sql = yield* PgClient.PgClient
        const rows = yield* sql<{
          id: string
          parsed: string | null
          order: string | null
          price_is_1_5: boolean | null
        }>`
          SELECT id::text AS id, parsed_payload::text AS parsed, parsed_payload ->> 'order' AS order,
                 (parsed_payload -> 'price')::numeric = 1.5 AS price_is_1_5
          FROM p_eventhook__event WHERE id = ANY(${ids}::uuid[])`.pipe(Effect.orDie)
        const byId = new Map(rows.map((row) => [row.id, row]))
        const [parsedDocument, bom, jsonNull, scalar, array] = ids.map((id) => byId.get(id)!)
        assert.strictEqual(parsedDocument!.order, "820982911946154508")
        assert.isTrue(parsedDocument!.price_is_1_5)
        const events = new Map((yield* eventsOfTenant(tenant.id)).map((event) => [event.id, event]))
        const stored = events.get(parsedDocument!.id as never)!.parsed_payload as Record<string, unknown>
        assert.strictEqual(stored.name, "café")
        assert.strictEqual(stored.hundred, 100)
        assert.deepStrictEqual(stored.list, [1, 2])
        assert.deepStrictEqual(JSON.parse(bom!.parsed!), { kind: "bom" })
        assert.isNull(jsonNull!.parsed)
        assert.strictEqual(scalar!.parsed, '"just a string"')
        assert.deepStrictEqual(JSON.parse(array!.parsed!), [true, { a: null }])
      })
    )

    it.effect("form bodies are parsed, other types kept raw, and methods other than POST get 405", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const form = yield* post(ingestPath(tenant.slug, "open"), "a=1&b=x%20y&a=2", {
          "content-type": "application/x-www-form-urlencoded"
        })
        assert.strictEqual(form.status, 200)
        const xml = yield* post(ingestPath(tenant.slug, "open"), "<event><type>ping</type></event>", {
          "content-type": "application/xml"
        })
        assert.strictEqual(xml.status, 200)
        const [formEvent, xmlEvent] = yield* eventsOfTenant(tenant.id)
        assert.deepStrictEqual(formEvent?.parsed_payload, { a: ["1", "2"], b: "x y" })
        assert.isNull(xmlEvent?.parsed_payload)
        assert.strictEqual(new TextDecoder().decode(xmlEvent?.raw_payload), "<event><type>ping</type></event>")

        const client = yield* HttpClient.HttpClient
        const get = yield* client.get(ingestPath(tenant.slug, "open")).pipe(Effect.orDie)
        assert.strictEqual(get.status, 405)
        assert.deepStrictEqual(yield* get.json.pipe(Effect.orDie), {
          error: "method_not_allowed",
          message: "only POST is accepted here"
        })
      })
    )
  })
