// Issue 19: with OTEL_EXPORTER_OTLP_ENDPOINT set, the service exports spans over OTLP/HTTP. A small OTLP receiver
// here sees the ingest request's span with its phases, and the event's processing span — a trace of its own —
// linked to it, with a child per action; the link is stored with the event (its traceparent), so it holds after a
// restart too.

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterAll, inject } from "vitest"
import { freePort, killLeftovers, startService } from "../support/process.ts"

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }>
}

const attribute = (span: OtlpSpan, key: string) =>
  span.attributes?.find((found) => found.key === key)?.value.stringValue

const storedTraceParent = (eventId: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [row] = yield* sql<{
        trace_parent: string | null
      }>`SELECT trace_parent FROM p_eventhook__event WHERE id = ${eventId}`
      return row?.trace_parent ?? null
    }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(inject("databaseUrl")), maxConnections: 1 })),
      Effect.scoped
    )
  )

afterAll(killLeftovers)

describe("tracing over OTLP", () => {
  it("exports the ingest span with its phases and the processing span linked to it", async () => {
    const spans: Array<OtlpSpan> = []
    const resources: Array<unknown> = []
    const receiver = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        if (request.url === "/v1/traces") {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            resourceSpans: Array<{ resource: unknown; scopeSpans: Array<{ spans: Array<OtlpSpan> }> }>
          }
          for (const resourceSpans of body.resourceSpans) {
            resources.push(resourceSpans.resource)
            for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans)
          }
        }
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{}")
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const receiverPort = (receiver.address() as AddressInfo).port
    const port = await freePort()
    const service = await startService(port, {
      LOG_LEVEL: "warn",
      EVENTHOOK_ADMIN_TOKEN: "trace-token",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
      OTEL_SERVICE_NAME: "eventhook-under-test"
    })
    const base = `http://127.0.0.1:${port}`
    const tenant = `trace-${Date.now().toString(36)}`
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: "Bearer trace-token", "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
    await admin("POST", "/api/eventhook/tenants", { slug: tenant })
    await admin("POST", `/api/tenants/${tenant}/eventhook/sources`, { slug: "open", verifier_config: { type: "none" } })
    await admin("POST", `/api/tenants/${tenant}/eventhook/routes`, {
      source: "open",
      target_type: "workflow",
      target_config: { workflow_kind: "traced" }
    })
    const answer = await fetch(`${base}/api/tenants/${tenant}/eventhook/in/open`, { method: "POST", body: '{"n":1}' })
    const { event_id } = (await answer.json()) as { event_id: string }
    for (let attempt = 0; attempt < 100; attempt++) {
      const event = (await (await admin("GET", `/api/tenants/${tenant}/eventhook/events/${event_id}`)).json()) as {
        status: string
      }
      if (event.status === "delivered") break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const traceParent = await storedTraceParent(event_id)
    // The exporter sends what it holds when the service stops.
    service.child.kill("SIGTERM")
    assert.strictEqual(await service.exited, 0)
    receiver.close()

    const ingest = spans.find(
      (span) => span.name === "eventhook.ingest" && attribute(span, "eventhook.source") === `${tenant}/open`
    )
    assert.isDefined(ingest, `spans: ${spans.map((span) => span.name).join(", ")}`)
    assert.strictEqual(ingest!.kind, 2, "a server span")
    for (const phase of ["eventhook.ingest.verify", "eventhook.ingest.store"]) {
      const phaseSpan: OtlpSpan | undefined = spans.find(
        (span) => span.name === phase && span.parentSpanId === ingest!.spanId
      )
      assert.isDefined(phaseSpan, phase)
      assert.strictEqual(phaseSpan!.traceId, ingest!.traceId, phase)
    }
    assert.strictEqual(traceParent, `00-${ingest!.traceId}-${ingest!.spanId}-01`)
    // Other tests' services share the database, and this one's sweeper may process their events too: this event's.
    const processing = spans.find(
      (span) => span.name === "eventhook.process" && attribute(span, "eventhook.event_id") === event_id
    )
    assert.isDefined(processing)
    assert.notStrictEqual(processing!.traceId, ingest!.traceId, "processing is a trace of its own")
    assert.deepStrictEqual(
      processing!.links?.map((link) => [link.traceId, link.spanId]),
      [[ingest!.traceId, ingest!.spanId]]
    )
    const action = spans.find((span) => span.name === "eventhook.action" && span.parentSpanId === processing!.spanId)
    assert.isDefined(action, "an action span under the processing span")
    assert.include(JSON.stringify(resources), "eventhook-under-test")
  }, 60_000)
})
