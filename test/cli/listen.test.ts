// Issue 17: `eventhook listen` end to end, as a user runs it: the service and the CLI as child processes, a local
// app as a real HTTP server that verifies GitHub's signature with Octokit. The service is restarted in the middle:
// no event is missed, none is forwarded twice.

import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { sign, verify } from "@octokit/webhooks-methods"
import { afterAll } from "vitest"
import { freePort, killLeftovers, startProcess } from "../support/process.ts"

const TOKEN = "listen-test-admin-token"
const SECRET = "listen-test-github-secret"
afterAll(killLeftovers)

const until = async (what: string, check: () => boolean, seconds = 20) => {
  const deadline = Date.now() + seconds * 1000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The local app: verifies each delivery's GitHub signature with Octokit, records its delivery id. */
const localApp = async () => {
  const deliveries: Array<{ id: string; verified: boolean }> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const verified = await verify(SECRET, body, String(request.headers["x-hub-signature-256"])).catch(() => false)
      deliveries.push({ id: String(request.headers["x-github-delivery"]), verified })
      response.writeHead(verified ? 204 : 401)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`, deliveries, server }
}

describe("eventhook listen", () => {
  it("forwards every event with its exact bytes and headers, across a restart of the server, with --replay; Ctrl-C exits 0", async () => {
    const port = await freePort()
    const tenant = `listen-${Date.now().toString(36)}`
    const serviceEnv = { HOST: "127.0.0.1", PORT: String(port), EVENTHOOK_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "warn" }
    const startService = () => startProcess(["src/main.node.ts"], serviceEnv, /eventhook listening on/)
    let service = await startService()
    const base = `http://127.0.0.1:${port}`
    const admin = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    assert.strictEqual((await admin("/api/eventhook/tenants", { slug: tenant })).status, 201)
    assert.strictEqual(
      (await admin(`/api/tenants/${tenant}/eventhook/sources`, { slug: "gh", provider: "github", secret: SECRET }))
        .status,
      201
    )
    let sent = 0
    const send = async () => {
      const body = `{"action":"opened","n":${sent},  "issue":{"id":9007199254740993}}`
      const id = `delivery-${sent++}`
      const answer = await fetch(`${base}/api/tenants/${tenant}/eventhook/in/gh`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": id,
          "x-hub-signature-256": await sign(SECRET, body)
        },
        body
      })
      assert.strictEqual(answer.status, 200)
      return id
    }
    // Stored before anyone listens: only --replay brings them.
    const early = [await send(), await send(), await send()]

    const app = await localApp()
    const listen = await startProcess(
      ["src/cli/main.node.ts", "listen", "gh", "-t", tenant, "--forward", app.url, "--replay", "2"],
      { EVENTHOOK_URL: base, EVENTHOOK_ADMIN_TOKEN: TOKEN },
      /listening: /
    )
    const live = [await send(), await send()]
    await until("the replayed and live events", () => app.deliveries.length >= 4)

    // The server goes away and comes back; events stored right after it is back arrive too.
    // An open stream does not hold the shutdown for the server's grace period (20 s): it ends at once.
    const stopping = Date.now()
    service.child.kill("SIGTERM")
    assert.strictEqual(await service.exited, 0)
    assert.isBelow(Date.now() - stopping, 5_000, "the service stopped promptly with a listener attached")
    await until("the listener to notice", () => listen.output().includes("connection lost"))
    service = await startService()
    const afterRestart = [await send(), await send(), await send()]
    await until("the events after the restart", () => app.deliveries.length >= 7)
    await new Promise((resolve) => setTimeout(resolve, 1000))

    const expected = [...early.slice(1), ...live, ...afterRestart]
    assert.deepStrictEqual(
      app.deliveries.map((delivery) => delivery.id),
      expected,
      `every event once, in order:\n${listen.output()}`
    )
    assert.isTrue(
      app.deliveries.every((delivery) => delivery.verified),
      "the local app verified every signature"
    )
    assert.include(listen.output(), "reconnected")
    assert.match(listen.output(), /issues\s+[0-9a-f-]{36}\s+→ 204/)

    // Listening is a tap: the events themselves are untouched (no route, so unrouted).
    const events = (await (
      await fetch(`${base}/api/tenants/${tenant}/eventhook/events?limit=50`, {
        headers: { authorization: `Bearer ${TOKEN}` }
      })
    ).json()) as { events: Array<{ status: string }> }
    assert.isTrue(events.events.every((event) => event.status === "unrouted"))

    listen.child.kill("SIGINT")
    assert.strictEqual(await listen.exited, 0)
    service.child.kill("SIGTERM")
    await service.exited
    app.server.close()
  }, 90_000)

  it("a wrong token is an error and exit 1, not a retry loop", async () => {
    const port = await freePort()
    const service = await startProcess(
      ["src/main.node.ts"],
      { HOST: "127.0.0.1", PORT: String(port), EVENTHOOK_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "warn" },
      /eventhook listening on/
    )
    const listen = await startProcess(
      ["src/cli/main.node.ts", "listen", "gh", "-t", "nobody", "--forward", "http://127.0.0.1:9/"],
      { EVENTHOOK_URL: `http://127.0.0.1:${port}`, EVENTHOOK_ADMIN_TOKEN: "wrong" }
    )
    assert.strictEqual(await listen.exited, 1)
    assert.include(listen.output(), "error: the server answered 401")
    service.child.kill("SIGTERM")
    await service.exited
  }, 60_000)
})
