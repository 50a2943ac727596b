import { connect } from "node:net"
import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, References } from "effect"
import { HttpServer } from "effect/http"
import { rawRequest } from "../support/http.ts"
import {
  createSource,
  eventsOfTenant,
  eventually,
  freshTenant,
  TestDatabase,
  TestServer
} from "../support/TestLayers.ts"

// Issue 15, defect 12: a client that goes away mid-body is a normal event on the internet: one line at debug,
// no ERROR with a stack trace, nothing stored.

const lines: Array<{ level: string; text: string }> = []
const Capture = Logger.layer([
  Logger.make((options) => {
    lines.push({
      level: options.logLevel,
      text: `${JSON.stringify(options.message)} ${Cause.pretty(options.cause)}`
    })
  })
])

/** Declares a 1,000-byte body, sends 10 bytes of it, and closes the connection. */
const abandonMidBody = (path: string) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    yield* Effect.callback<void>((resume) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"part":1,`
        )
        setTimeout(() => socket.destroy(), 100)
      })
      socket.on("close", () => resume(Effect.void))
      socket.on("error", () => undefined)
    })
  })

for (const way of ["node listener", "router"] as const)
  layer(
    TestServer({}, TestDatabase, way).pipe(
      Layer.provide(Capture),
      Layer.provide(Layer.succeed(References.MinimumLogLevel, "All"))
    ),
    { excludeTestServices: true }
  )(`client disconnects (${way})`, (it) => {
    it.effect("a body cut off by the client is logged at debug in one line, never as an error; nothing is stored", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const path = `/api/tenants/${tenant.slug}/eventhook/in/open`
        lines.length = 0
        for (let i = 0; i < 3; i++) yield* abandonMidBody(path)
        // The server is still well, and has logged what happened.
        assert.strictEqual((yield* rawRequest("GET", "/health")).status, 200)
        const aborted = yield* eventually(
          Effect.sync(() => lines.filter((line) => line.text.includes("went away"))),
          (found) => found.length >= 3,
          { every: "50 millis", times: 100, failure: `not logged: ${JSON.stringify(lines)}` }
        )
        assert.strictEqual(aborted.length, 3, JSON.stringify(lines))
        for (const line of aborted) {
          assert.strictEqual(line.level, "Debug")
          assert.notInclude(line.text, "\n")
        }
        assert.deepStrictEqual(
          lines.filter((line) => line.level === "Error" || line.level === "Fatal"),
          []
        )
        assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      })
    )
  })
