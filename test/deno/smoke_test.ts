// Deno smoke test (`deno task test`): boots the real Deno main against PostgreSQL, sends a webhook signed by
// GitHub's own SDK, and sees the workflow row it starts; then SIGTERM must stop the service with exit 0.

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Exit, Redacted, Scope } from "effect"
import { Webhook } from "standardwebhooks"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"

declare const Deno: {
  test: (name: string, fn: () => Promise<void>) => void
  makeTempDir: () => Promise<string>
  remove: (path: string, options: { recursive: boolean }) => Promise<void>
  execPath: () => string
  env: { get: (name: string) => string | undefined }
  Command: new (
    command: string,
    options: { args: Array<string>; env: Record<string, string>; stdout: "piped"; stderr: "inherit" }
  ) => {
    spawn: () => {
      stdout: ReadableStream<Uint8Array>
      kill: (signal: string) => void
      status: Promise<{ code: number }>
    }
  }
}

const assert = (condition: boolean, message: string) => {
  if (!condition) throw new Error(message)
}

const query = (url: string, run: (sql: PgClient.PgClient) => Effect.Effect<unknown, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, run).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.scoped
    )
  )

Deno.test("deno: a GitHub-signed webhook starts a workflow and reaches an http destination; SIGTERM exits 0", async () => {
  // The http target's destination (issue 17): records what arrives.
  const delivered: Array<{ headers: Record<string, string>; body: Uint8Array }> = []
  const destination = createServer((request, response) => {
    const chunks: Array<Uint8Array> = []
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    request.on("end", () => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name] = value
      const body = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0))
      let offset = 0
      for (const chunk of chunks) {
        body.set(chunk, offset)
        offset += chunk.length
      }
      delivered.push({ headers, body })
      response.writeHead(204)
      response.end()
    })
  })
  await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve))
  const destinationPort = (destination.address() as AddressInfo).port
  const signingSecret = `whsec_${btoa("deno-smoke-signing-secret-32byte")}`

  const scope = Scope.makeUnsafe()
  const dataDir = await Deno.makeTempDir()
  const givenUrl = Deno.env.get("DATABASE_URL")
  const serverUrl =
    givenUrl ?? Redacted.value((await Effect.runPromise(Scope.provide(embeddedPostgres(dataDir), scope))).url)
  const database = `eventhook_deno_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  await query(serverUrl, (sql) => sql.unsafe(`CREATE DATABASE ${database}`))

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "src/main.deno.ts"],
    env: { DATABASE_URL: url.toString(), HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn" },
    stdout: "piped",
    stderr: "inherit"
  }).spawn()
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader()
    let output = ""
    let port: string | undefined
    while (port === undefined) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the service exited before listening: ${output}`)
      output += value
      port = /eventhook listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]
    }
    reader.releaseLock()

    const secret = "deno-smoke-secret"
    await query(url.toString(), (sql) =>
      Effect.gen(function* () {
        const [tenant] = yield* sql<{ id: string }>`INSERT INTO tenant (slug, name) VALUES ('acme', 'Acme')
                                                     RETURNING id::text AS id`
        const [source] = yield* sql<{ id: string }>`
          INSERT INTO p_eventhook__source (tenant_id, name, slug, verifier_type, verifier_config)
          VALUES (${tenant!.id}, 'GitHub', 'github', 'github', ${sql.json({ type: "github", secret })})
          RETURNING id::text AS id`
        yield* sql`INSERT INTO p_eventhook__route (source_id, tenant_id, name, target_type, target_config)
                   VALUES (${source!.id}, ${tenant!.id}, 'to workflow', 'workflow',
                           ${sql.json({ workflow_kind: "process-github-event" })})`
        yield* sql`INSERT INTO p_eventhook__route (source_id, tenant_id, name, target_type, target_config)
                   VALUES (${source!.id}, ${tenant!.id}, 'to my service', 'http',
                           ${sql.json({
                             url: `http://127.0.0.1:${destinationPort}/hook`,
                             signing: { type: "standard_webhooks", secret: signingSecret }
                           })})`
      })
    )

    const payload = JSON.stringify({ action: "opened", runtime: "deno", note: "☃" })
    const response = await fetch(`http://127.0.0.1:${port}/api/tenants/acme/eventhook/in/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-hub-signature-256": await sign(secret, payload)
      },
      body: payload
    })
    const body = await response.json()
    assert(response.status === 200 && body.status === "pending", `unexpected answer ${response.status}`)

    let workflows: ReadonlyArray<{ kind: string; input: unknown }> = []
    for (let attempt = 0; attempt < 200 && workflows.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      workflows = (await query(
        url.toString(),
        (sql) => sql`SELECT kind, input FROM workflow_execution WHERE status = 'PENDING'`
      )) as ReadonlyArray<{ kind: string; input: unknown }>
    }
    assert(workflows.length === 1, `expected one workflow, found ${workflows.length}`)
    assert(workflows[0]!.kind === "process-github-event", "wrong workflow kind")
    const input = workflows[0]!.input as Record<string, unknown>
    assert(
      input.action === "opened" && input.runtime === "deno" && input.note === "☃" && Object.keys(input).length === 3,
      `workflow input is not the payload: ${JSON.stringify(input)}`
    )

    for (let attempt = 0; attempt < 200 && delivered.length === 0; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 25))
    assert(delivered.length === 1, `expected one delivery to the http destination, found ${delivered.length}`)
    assert(new TextDecoder().decode(delivered[0]!.body) === payload, "the destination did not get the exact bytes")
    new Webhook(signingSecret).verify(new TextDecoder().decode(delivered[0]!.body), delivered[0]!.headers)

    child.kill("SIGTERM")
    const status = await child.status
    assert(status.code === 0, `exit code ${status.code} after SIGTERM`)

    // The operator CLI runs under Deno too, against the same database.
    const cli = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "src/cli/main.node.ts", "events", "list", "-t", "acme", "--json"],
      env: { DATABASE_URL: url.toString(), EVENTHOOK_MIGRATE: "false" },
      stdout: "piped",
      stderr: "inherit"
    }).spawn()
    const listed = JSON.parse(await new Response(cli.stdout).text())
    assert((await cli.status).code === 0, "the CLI failed under Deno")
    assert(
      listed.events.length === 1 && listed.events[0].status === "delivered" && listed.events[0].event_type === "issues",
      `the CLI listed ${JSON.stringify(listed)}`
    )
  } finally {
    destination.close()
    try {
      child.kill("SIGKILL")
    } catch {
      // already exited
    }
    await query(serverUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await Deno.remove(dataDir, { recursive: true })
  }
})
