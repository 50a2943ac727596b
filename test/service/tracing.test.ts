// Issue 19: with OTEL_EXPORTER_OTLP_ENDPOINT set, the service exports spans over OTLP/HTTP. A small OTLP receiver
// here sees the ingest request's span with its phases, and the event's processing span — a trace of its own —
// linked to it, with a child per action; the link is stored with the event (its traceparent), so it holds after a
// restart too.

import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

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
    const child = spawn(process.execPath, ["src/main.node.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: inject("databaseUrl"),
        EVENTHOOK_MIGRATE: "false",
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "warn",
        EVENTHOOK_ADMIN_TOKEN: "trace-token",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
        OTEL_SERVICE_NAME: "eventhook-under-test"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    await new Promise<void>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes("eventhook listening on")) resolve()
      }
      child.stdout.on("data", collect)
      child.stderr.on("data", collect)
      exited.then((code) => reject(new Error(`exited ${code}: ${output}`)))
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
    child.kill("SIGTERM")
    assert.strictEqual(await exited, 0)
    receiver.close()

    const ingest = spans.find((span) => span.name === "eventhook.ingest")
    assert.isDefined(ingest, `spans: ${spans.map((span) => span.name).join(", ")}`)
    assert.strictEqual(ingest!.kind, 2, "a server span")
    for (const phase of ["eventhook.ingest.verify", "eventhook.ingest.store"]) {
      const child = spans.find((span) => span.name === phase)
      assert.isDefined(child, phase)
      assert.strictEqual(child!.parentSpanId, ingest!.spanId, phase)
      assert.strictEqual(child!.traceId, ingest!.traceId, phase)
    }
    assert.strictEqual(traceParent, `00-${ingest!.traceId}-${ingest!.spanId}-01`)
    const processing = spans.find((span) => span.name === "eventhook.process")
    assert.isDefined(processing)
    assert.notStrictEqual(processing!.traceId, ingest!.traceId, "processing is a trace of its own")
    assert.deepStrictEqual(
      processing!.links?.map((link) => [link.traceId, link.spanId]),
      [[ingest!.traceId, ingest!.spanId]]
    )
    const action = spans.find((span) => span.name === "eventhook.action")
    assert.isDefined(action)
    assert.strictEqual(action!.parentSpanId, processing!.spanId)
    assert.include(JSON.stringify(resources), "eventhook-under-test")
  }, 60_000)
})
