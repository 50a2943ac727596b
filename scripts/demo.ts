// `npm run demo`: creates tenant `acme`, a `github` source with a secret and a route to the workflow
// `process-github-event`, sends a webhook signed the GitHub way, and prints the event and the workflow it
// started. It uses the server at EVENTHOOK_URL (default http://127.0.0.1:$PORT, PORT defaulting to 8080) when one
// answers there, else boots Eventhook in this process. The database is DATABASE_URL's, else the embedded one in
// EVENTHOOK_DATA_DIR — the same the server uses.

import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { sign } from "@octokit/webhooks-methods"
import { ConfigProvider, Effect, Layer, Option, Schedule } from "effect"
import { HttpServer } from "effect/http"
import { AppConfig } from "../src/config/AppConfig.ts"
import { eventhookServer } from "../src/Eventhook.ts"
import { embeddedPostgres } from "../src/store/EmbeddedPostgres.ts"

const SECRET = "demo-github-secret"

const serverAnswers = (url: string) =>
  Effect.tryPromise(() => fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).pipe(
    Effect.map((response) => response.ok),
    Effect.orElseSucceed(() => false)
  )

/** The same database the server uses; an embedded cluster already running is borrowed, not stopped. */
const Database = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const url = Option.isSome(config.databaseUrl)
      ? config.databaseUrl.value
      : (yield* embeddedPostgres(config.dataDir, { stopAdopted: false })).url
    return PgClient.layer({ url, maxConnections: 2 })
  })
)

const setUp = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  // The SQL a user runs to add a source and a route (README: "Add your own source").
  const [tenant] = yield* sql<{ id: string }>`
    INSERT INTO tenant (slug, name) VALUES ('acme', 'Acme Inc.')
    ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id::text AS id`
  const [source] = yield* sql<{ id: string }>`
    INSERT INTO p_eventhook__source (tenant_id, name, slug, verifier_type, verifier_config, idempotency_key_paths)
    VALUES (${tenant!.id}, 'GitHub', 'github', 'github', ${sql.json({ type: "github", secret: SECRET })},
            ARRAY['header.x-github-delivery'])
    ON CONFLICT (tenant_id, slug) DO UPDATE SET verifier_type = EXCLUDED.verifier_type,
      verifier_config = EXCLUDED.verifier_config, is_enabled = true, updated_at = now()
    RETURNING id::text AS id`
  yield* sql`
    INSERT INTO p_eventhook__route (source_id, tenant_id, name, priority, target_type, target_config)
    SELECT ${source!.id}, ${tenant!.id}, 'GitHub events to workflow', 0, 'workflow',
           ${sql.json({ workflow_kind: "process-github-event" })}
    WHERE NOT EXISTS (SELECT 1 FROM p_eventhook__route WHERE source_id = ${source!.id}
                        AND target_config ->> 'workflow_kind' = 'process-github-event')`
})

const sendAndShow = (baseUrl: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const payload = JSON.stringify({
      action: "opened",
      issue: { number: 1347, title: "Found a bug" },
      repository: { full_name: "acme/widgets" },
      sender: { login: "octocat" }
    })
    const url = `${baseUrl}/api/tenants/acme/eventhook/in/github`
    const signature = yield* Effect.promise(() => sign(SECRET, payload))
    console.log(`POST ${url}\n  X-GitHub-Event: issues\n  X-Hub-Signature-256: ${signature}\n  ${payload}\n`)
    const response = yield* Effect.promise(() =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": signature
        },
        body: payload
      })
    )
    const answer = (yield* Effect.promise(() => response.json())) as { event_id: string }
    console.log(`→ ${response.status} ${JSON.stringify(answer)}\n`)

    const settled = sql<Record<string, unknown>>`
      SELECT id, status, event_type, verified, idempotency_key, received_at, processed_at
      FROM p_eventhook__event WHERE id = ${answer.event_id} AND status NOT IN ('pending', 'processing')`.pipe(
      Effect.filterOrFail((rows) => rows.length === 1),
      Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 })
    )
    console.log("event:", (yield* settled)[0])
    const workflows = yield* sql`
      SELECT w.id, w.kind, w.queue, w.status, w.input, w.created_at
      FROM p_eventhook__event_action a JOIN workflow_execution w ON w.id::text = a.workflow_execution_id
      WHERE a.event_id = ${answer.event_id}`
    console.log("workflow started:", workflows[0])
  })

const main = Effect.gen(function* () {
  const config = yield* AppConfig
  const running = process.env.EVENTHOOK_URL ?? `http://127.0.0.1:${config.port}`
  if (yield* serverAnswers(running)) {
    console.log(`using the server at ${running}\n`)
    return yield* Effect.andThen(setUp, sendAndShow(running)).pipe(Effect.provide(Database))
  }
  console.log(`no server answers at ${running}; starting Eventhook in this process\n`)
  const server = eventhookServer((listen) =>
    NodeHttpServer.layer(createServer, { ...listen, host: "127.0.0.1", port: 0 })
  )
  yield* Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    const port = address._tag === "UnixPathAddress" ? config.port : address.port
    yield* setUp
    yield* sendAndShow(`http://127.0.0.1:${port}`)
  }).pipe(Effect.provide(server))
})

main
  .pipe(
    Effect.provide(AppConfig.layer),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv())),
    Effect.scoped,
    Effect.runPromise
  )
  .then(
    () => process.exit(0),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
