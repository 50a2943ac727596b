import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Scope } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { EventId } from "../../src/domain/ids.ts"
import { IngestEndpoint } from "../../src/http/IngestEndpoint.ts"
import { type IngestListenerSlot, nodeIngestListener } from "../../src/http/nodeIngestListener.ts"
import type { Accepted } from "../../src/ingest/Ingest.ts"
import { testConfig } from "../support/TestLayers.ts"

// Issue 22: a service that stops must wait for each of the fast lane's writes in flight and answer it, as it does
// for the endpoint's requests: the provider is answered 200 for what was stored, not cut off.

const ACCEPTED: Accepted = { status: "pending", eventId: EventId.make("0190c1a2-0000-7000-8000-000000000001") }

describe("the fast lane while the service stops", () => {
  it.live("stopping waits for a lane write in flight and answers it", () =>
    Effect.gen(function* () {
      let finishWrite: (() => void) | undefined
      // An endpoint whose lane write finishes only when the test says so.
      const endpoint = IngestEndpoint.of({
        answer: () => Effect.die(new Error("the lane should have taken it")),
        answerReceived: () => ({
          storing: Effect.callback<Accepted>((resume) => {
            finishWrite = () => resume(Effect.succeed(ACCEPTED))
          }),
          answered: (exit) =>
            Exit.isSuccess(exit) ? { status: 200, body: { event_id: ACCEPTED.eventId, status: "pending" } } : undefined
        })
      })
      const slot: IngestListenerSlot = { listener: null }
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(
        nodeIngestListener(slot).pipe(
          Layer.provide(Layer.succeed(IngestEndpoint, endpoint)),
          Layer.provide(AppConfig.layerWith(testConfig()))
        ),
        scope
      )
      const server = createServer((request, response) => {
        if (slot.listener === null || !slot.listener(request, response)) response.writeHead(503).end()
      })
      yield* Effect.callback<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const port = (server.address() as AddressInfo).port
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const body = JSON.stringify({ action: "opened" })
        const request = httpRequest(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/api/tenants/acme/eventhook/in/github",
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
          },
          (response) => {
            const chunks: Array<Buffer> = []
            response.on("data", (chunk: Buffer) => chunks.push(chunk))
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") })
            )
          }
        )
        request.on("error", reject)
        request.end(body)
      })
      while (finishWrite === undefined) yield* Effect.sleep("5 millis")

      const stopping = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* Effect.sleep("100 millis")
      assert.isUndefined(stopping.pollUnsafe(), "stopped with a lane write in flight")
      assert.isNull(slot.listener, "the slot is closed while stopping")
      finishWrite()
      yield* Fiber.join(stopping)
      const answer = yield* Effect.promise(() => answered)
      assert.strictEqual(answer.status, 200)
      assert.deepStrictEqual(JSON.parse(answer.text), { event_id: ACCEPTED.eventId, status: "pending" })
      server.close()
    })
  )
})
