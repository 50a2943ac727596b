// The Node main as a user runs it (`npm start`: built to dist/, then run with the start script's Node flags): a
// spawned process with an embedded PostgreSQL of its own.

import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { freePort } from "../support/process.ts"

const dataDir = mkdtempSync(join(tmpdir(), "eventhook-main-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const packageScripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts
// `npm start` runs `prestart` (the build) first.
beforeAll(() => {
  const [node, ...args] = packageScripts.build!.split(/\s+/)
  assert.strictEqual(node, "node")
  execFileSync(process.execPath, args, { stdio: "ignore" })
}, 60_000)
const startArgs = () => {
  const [node, ...args] = packageScripts.start!.split(/\s+/)
  assert.strictEqual(node, "node")
  return args
}

interface Started {
  readonly child: ChildProcess
  readonly port: number
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const start = (env: Record<string, string>): Promise<Started> =>
  new Promise((resolve, reject) => {
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      EVENTHOOK_DATA_DIR: dataDir,
      ...env
    }
    delete environment.DATABASE_URL
    const child = spawn(process.execPath, startArgs(), { env: environment, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /eventhook listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]
      if (port !== undefined) resolve({ child, port: Number(port), output: () => output, exited })
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)))
  })

describe("the Node service", () => {
  // V8 keeps a script's source in its heap, at two bytes a character once one character is beyond Latin-1 (issue 22).
  it("is bundled as ASCII only, so V8 holds its source at one byte a character", () => {
    const bundle = readFileSync("dist/main.node.js", "utf8")
    assert.isAbove(bundle.length, 100_000)
    const beyondAscii = [...bundle].filter((character) => character.charCodeAt(0) > 0x7f)
    assert.deepStrictEqual(beyondAscii, [])
  })

  it("serves /health, stops on SIGTERM with exit 0 and the embedded database stopped, and reuses its data", async () => {
    const first = await start({})
    assert.include(first.output(), "initialising the embedded PostgreSQL")
    const health = await fetch(`http://127.0.0.1:${first.port}/health`)
    assert.strictEqual(health.status, 200)
    assert.deepStrictEqual(await health.json(), { status: "ok" })
    first.child.kill("SIGTERM")
    assert.strictEqual(await first.exited, 0)
    assert.include(first.output(), "embedded PostgreSQL stopped")
    assert.isFalse(existsSync(join(dataDir, "pgdata", "postmaster.pid")))

    const second = await start({ EVENTHOOK_MIGRATE: "true" })
    assert.notInclude(second.output(), "initialising the embedded PostgreSQL")
    assert.notInclude(second.output(), "migration 0001_initial applied")
    const unknown = await fetch(`http://127.0.0.1:${second.port}/api/tenants/none/eventhook/in/none`, {
      method: "POST",
      body: "{}"
    })
    assert.strictEqual(unknown.status, 404)
    second.child.kill("SIGINT")
    assert.strictEqual(await second.exited, 0)
  }, 60_000)

  // glibc's malloc arenas (issue 22): the start script restarts itself in place with MALLOC_ARENA_MAX=1.
  it.runIf(process.platform === "linux")(
    "on Linux restarts itself in place with one malloc arena, keeping its pid and Node flags, and a value given",
    async () => {
      const processOf = (pid: number) => ({
        environment: readFileSync(`/proc/${pid}/environ`, "utf8").split("\0"),
        commandLine: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      })
      const restarted = await start({})
      const running = processOf(restarted.child.pid!)
      assert.include(running.environment, "MALLOC_ARENA_MAX=1")
      const flags = startArgs().filter((arg) => arg.startsWith("--"))
      assert.isNotEmpty(flags)
      assert.includeMembers(running.commandLine, flags)
      assert.isTrue(running.commandLine.some((arg) => arg.endsWith("scripts/start.mjs")))
      assert.strictEqual((await fetch(`http://127.0.0.1:${restarted.port}/health`)).status, 200)
      restarted.child.kill("SIGTERM")
      assert.strictEqual(await restarted.exited, 0)

      const given = await start({ MALLOC_ARENA_MAX: "4" })
      const environment = processOf(given.child.pid!).environment
      assert.include(environment, "MALLOC_ARENA_MAX=4")
      assert.notInclude(environment, "MALLOC_ARENA_MAX=1")
      given.child.kill("SIGTERM")
      assert.strictEqual(await given.exited, 0)
    },
    60_000
  )

  it("a slow client is cut off after the header timeout; oversized headers get 431; garbage 400; all in JSON", async () => {
    const service = await start({})
    try {
      const started = Date.now()
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(service.port, "127.0.0.1", () => {
          socket.write("POST /api/tenants/a/eventhook/in/b HTTP/1.1\r\nHost: x\r\n")
        })
        let received = ""
        socket.on("data", (chunk) => {
          received += chunk.toString()
        })
        socket.on("close", () => resolve(received))
        socket.on("error", () => resolve(received))
      })
      const waited = Date.now() - started
      assert.match(answer, /^HTTP\/1\.1 408/)
      // Answers of Node's own parser carry the contract's JSON too (issue 15).
      assert.include(answer, '{"error":"request_timeout"')
      assert.isAtLeast(waited, 9_000)
      assert.isAtMost(waited, 20_000)

      const big = await fetch(`http://127.0.0.1:${service.port}/health`, {
        headers: { "x-padding": "a".repeat(20_000) }
      })
      assert.strictEqual(big.status, 431)
      assert.strictEqual(((await big.json()) as { error: string }).error, "headers_too_large")
      const garbled = await new Promise<string>((resolve) => {
        const socket = connect(service.port, "127.0.0.1", () => socket.write("GARBAGE / HTTP/9\r\n\r\n"))
        let received = ""
        socket.on("data", (chunk) => {
          received += chunk.toString()
        })
        socket.on("close", () => resolve(received))
      })
      assert.match(garbled, /^HTTP\/1\.1 400 /)
      const tunnel = await new Promise<string>((resolve) => {
        const socket = connect(service.port, "127.0.0.1", () =>
          socket.write("CONNECT /api/tenants/a/eventhook/in/b HTTP/1.1\r\nhost: x\r\n\r\n")
        )
        let received = ""
        socket.on("data", (chunk) => {
          received += chunk.toString()
        })
        socket.on("close", () => resolve(received))
      })
      assert.match(tunnel, /^HTTP\/1\.1 405 /)
      assert.match(tunnel, /\r\nAllow: POST\r\n/)
      assert.include(tunnel, '{"error":"method_not_allowed"')
      assert.include(garbled, '{"error":"invalid_request"')
    } finally {
      service.child.kill("SIGTERM")
      await service.exited
    }
  }, 60_000)

  it("a bad configuration value stops start-up with a message naming the variable", async () => {
    const failed = start({ EVENTHOOK_MAX_BODY_BYTES: "lots" })
    const error = await failed.then(
      () => new Error("it started"),
      (error: Error) => error
    )
    assert.match(error.message, /exited with 1/)
    assert.include(error.message, "EVENTHOOK_MAX_BODY_BYTES")
  }, 30_000)

  it("with EVENTHOOK_METRICS_PORT serves /metrics there without a token; the main port keeps it behind the admin token", async () => {
    const metricsPort = await freePort()
    const service = await start({ EVENTHOOK_METRICS_PORT: String(metricsPort) })
    await fetch(`http://127.0.0.1:${service.port}/api/tenants/none/eventhook/in/none`, { method: "POST", body: "{}" })
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.strictEqual(metrics.status, 200)
    assert.include(metrics.headers.get("content-type") ?? "", "text/plain")
    assert.include(await metrics.text(), 'eventhook_ingest_requests_total{outcome="not_found",source=""} 1')
    assert.strictEqual((await fetch(`http://127.0.0.1:${service.port}/metrics`)).status, 403)
    service.child.kill("SIGTERM")
    assert.strictEqual(await service.exited, 0)
  }, 60_000)
})
