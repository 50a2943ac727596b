// `npm run bench` (issue 7): the ingest path measured against the machine's own ceilings, in one run, on one
// database. Not a test: it prints a table and writes every figure to bench-results/bench-<time>.json.
//
//   ceilings   a bare node:http server answering 200 (HTTP) · concurrent single-row INSERTs of an event row,
//              one transaction each, through @effect/sql-pg (durable write)
//   eventhook  GitHub-signed ~2 KB webhooks with a workflow route: saturation at each concurrency; a constant
//              offered rate (latency from the scheduled send time, so queueing counts); send → workflow row
//   recovery   a crashed instance's queue (expired leases and unleased events) drained by the running service
//   ledger     after every run: each 200 has exactly one event row, every event is delivered and started one
//              workflow; a run whose ledger does not balance is void
//
// The service runs as a child process, as `npm start` runs it (same Node flags); the load generator shares
// the machine's cores with it and with PostgreSQL, and says so in the output. BENCH_DATABASE_URL (or
// DATABASE_URL) points at a server to use: a scratch database is created there and dropped; otherwise a fresh
// embedded PostgreSQL in a temporary directory. BENCH_SECONDS (default 5) sets each run's length, BENCH_REPEATS
// (default 3) how often each run but recovery is made: each Eventhook saturation run right after its two ceilings,
// and the table shows the median run with the range over the runs.

import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHmac, randomUUID } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Redacted, Scope } from "effect"
import type { SqlClient } from "effect/sql"
import { runMigrations } from "../src/store/Database.ts"
import { embeddedPostgres } from "../src/store/EmbeddedPostgres.ts"

const positiveIntegerFrom = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`)
  return value
}
const SECONDS = positiveIntegerFrom("BENCH_SECONDS", 5)
const WARMUP_SECONDS = 1
const CONCURRENCY = [16, 64]
const REPEATS = positiveIntegerFrom("BENCH_REPEATS", 3)
const CONSTANT_RATE = 1000
const END_TO_END_RATE = 500
const RECOVERY_EVENTS = 20_000
const SECRET = "bench-github-secret"

// ---------------------------------------------------------------------------------------------------------------
// statistics

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
/** The middle one by `value` (the lower of the two middle ones for an even count). */
const medianBy = <A>(items: ReadonlyArray<A>, value: (item: A) => number): A =>
  [...items].sort((a, b) => value(a) - value(b))[Math.floor((items.length - 1) / 2)]!
const spread = (values: ReadonlyArray<number>) => ({
  median: medianBy(values, (x) => x),
  min: Math.min(...values),
  max: Math.max(...values)
})
const latencySummary = (samples: ReadonlyArray<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    p50_ms: round(percentile(sorted, 50), 2),
    p99_ms: round(percentile(sorted, 99), 2),
    p999_ms: round(percentile(sorted, 99.9), 2),
    max_ms: round(sorted.at(-1) ?? Number.NaN, 2)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the webhook

const payloadOf = (sentAtMs: number) => {
  const body = {
    action: "opened",
    sent_at_ms: sentAtMs,
    issue: { number: 1347, title: "Found a bug", body: "x".repeat(1600), labels: ["bug", "p1"] },
    repository: { id: 1296269, full_name: "octocat/Hello-World", private: false },
    sender: { login: "octocat", id: 1 }
  }
  return Buffer.from(JSON.stringify(body))
}

const githubHeaders = (body: Buffer): Record<string, string> => ({
  "content-type": "application/json",
  "user-agent": "GitHub-Hookshot/bench",
  "x-github-event": "issues",
  "x-github-delivery": randomUUID(),
  "x-github-hook-id": "1",
  "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
  "content-length": String(body.length)
})

// ---------------------------------------------------------------------------------------------------------------
// the load generator: keep-alive sockets, latency per request

interface Shot {
  readonly status: number
  readonly latencyMs: number
  readonly body: string
}

const post = (agent: Agent, port: number, path: string, body: Buffer, headers: Record<string, string>) =>
  new Promise<Omit<Shot, "latencyMs">>((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", () => resolve({ status: 0, body: "" }))
    })
    req.on("error", () => resolve({ status: 0, body: "" }))
    req.end(body)
  })

interface LoadResult {
  readonly shots: ReadonlyArray<Shot>
  readonly measuredShots: ReadonlyArray<Shot>
  readonly seconds: number
  readonly cpu: CpuPerRequest
  /** The measured window, in epoch ms (saturation runs). */
  readonly window?: { readonly fromEpochMs: number; readonly toEpochMs: number }
  /** How long after its scheduled time each request was handed to the socket (open-loop runs). */
  readonly sendLateness?: ReturnType<typeof latencySummary>
}

interface Signed {
  readonly body: Buffer
  readonly headers: Record<string, string>
}
const signed = (body: Buffer): Signed => ({ body, headers: githubHeaders(body) })

// Requests are signed before a run starts, so the load generator spends its share of the cores on sending. Each
// request to Eventhook is a distinct delivery (a repeat would be stored as a duplicate); the bare server does not
// care, so it is sent a few requests over and over.
const SIGNED_AHEAD = { distinct: 20_000, repeated: 1_000 }

/** Closed loop: `concurrency` senders, each sending the next request when the previous one is answered. */
const saturate = async (
  port: number,
  path: string,
  concurrency: number,
  makeBody: () => Buffer,
  requests: keyof typeof SIGNED_AHEAD,
  servicePid: number
) => {
  const ready = Array.from({ length: SIGNED_AHEAD[requests] }, () => signed(makeBody()))
  let taken = 0
  const next = () => (requests === "repeated" ? ready[taken++ % ready.length]! : (ready[taken++] ?? signed(makeBody())))
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const shots: Array<Shot & { readonly at: number }> = []
  const start = performance.now()
  const measureFrom = start + WARMUP_SECONDS * 1000
  const end = measureFrom + SECONDS * 1000
  const startEpochMs = Date.now()
  const window = {
    fromEpochMs: startEpochMs + WARMUP_SECONDS * 1000,
    toEpochMs: startEpochMs + (WARMUP_SECONDS + SECONDS) * 1000
  }
  const meter = cpuMeter(servicePid)
  const metering = setTimeout(meter.start, WARMUP_SECONDS * 1000)
  const sender = async () => {
    while (performance.now() < end) {
      const { body, headers } = next()
      const sent = performance.now()
      const answer = await post(agent, port, path, body, headers)
      const now = performance.now()
      shots.push({ ...answer, latencyMs: now - sent, at: sent })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  agent.destroy()
  clearTimeout(metering)
  const measured = shots.filter((shot) => shot.at >= measureFrom)
  return {
    shots,
    measuredShots: measured,
    seconds: SECONDS,
    cpu: meter.perRequest(measured.length),
    window
  } satisfies LoadResult
}

/** Open loop: request i is due at start + i/rate; its latency counts from then, so queueing is included. */
const offerRate = async (
  port: number,
  path: string,
  rate: number,
  makeBody: (dueMs: number) => Buffer,
  servicePid: number
) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 })
  const total = Math.round(rate * SECONDS)
  // Signed ahead with their scheduled send times, within the lead before the first is due.
  const lead = 500 + total / 5
  const startEpoch = Date.now() + lead
  const startPerf = performance.now() + lead
  const ready = Array.from({ length: total }, (_, i) => signed(makeBody(startEpoch + (i * 1000) / rate)))
  if (performance.now() > startPerf) throw new Error("signing the requests took longer than the lead before the run")
  const pending: Array<Promise<Shot>> = []
  const lateness: Array<number> = []
  const meter = cpuMeter(servicePid)
  meter.start()
  for (let i = 0; i < total; i++) {
    const duePerf = startPerf + (i * 1000) / rate
    const wait = duePerf - performance.now()
    // Never early: a request sent before its time would shorten its own latency.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const { body, headers } = ready[i]!
    lateness.push(performance.now() - duePerf)
    pending.push(
      post(agent, port, path, body, headers).then((answer) => ({
        ...answer,
        latencyMs: performance.now() - duePerf
      }))
    )
  }
  const shots = await Promise.all(pending)
  agent.destroy()
  return {
    shots,
    measuredShots: shots,
    seconds: SECONDS,
    cpu: meter.perRequest(shots.length),
    sendLateness: latencySummary(lateness)
  } satisfies LoadResult
}

// ---------------------------------------------------------------------------------------------------------------
// processes

const here = new URL(".", import.meta.url)
const repoRoot = new URL("..", here)

const waitForLine = (child: ChildProcess, pattern: RegExp) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    let output = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = pattern.exec(output)
      if (match !== null) resolve(match)
    })
    child.once("exit", (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)))
  })

/** Peak resident memory (VmHWM) of a process, in MB; Linux only. */
const peakRssMb = (pid: number) => {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
    return kb === undefined ? null : round(Number(kb) / 1024)
  } catch {
    return null
  }
}

/** Clock ticks per second of /proc's CPU times. */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system, with reaped children) of a process, in ms; Linux only, null elsewhere. */
const cpuMsOf = (pid: number): number | null => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    return (ticks * 1000) / ticksPerSecond
  } catch {
    return null
  }
}

/** All PostgreSQL processes of the machine (postmaster, backends, background workers), in ms. */
const postgresCpuMs = (): number | null => {
  try {
    let total = 0
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      let comm: string
      try {
        comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim()
      } catch {
        continue
      }
      if (comm === "postgres") total += cpuMsOf(Number(entry)) ?? 0
    }
    return total
  } catch {
    return null
  }
}

interface CpuPerRequest {
  readonly service_ms: number | null
  readonly postgres_ms: number | null
  readonly load_generator_ms: number
}

/**
 * Where the cores went during a run, per request: the service (or the bare server), PostgreSQL, and this
 * process (the load generator; for the insert ceiling, the client doing the inserts).
 */
const cpuMeter = (servicePid: number | null) => {
  const read = () => ({
    service: servicePid === null ? null : cpuMsOf(servicePid),
    postgres: postgresCpuMs(),
    self: process.cpuUsage()
  })
  let from: ReturnType<typeof read> | null = null
  return {
    start: () => {
      from = read()
    },
    perRequest: (requests: number): CpuPerRequest => {
      const to = read()
      const start = from ?? to
      const per = (a: number | null, b: number | null) =>
        a === null || b === null || requests === 0 ? null : round((b - a) / requests, 3)
      const self = process.cpuUsage(start.self)
      return {
        service_ms: per(start.service, to.service),
        postgres_ms: per(start.postgres, to.postgres),
        load_generator_ms: round((self.user + self.system) / 1000 / Math.max(requests, 1), 3)
      }
    }
  }
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

const BARE_SERVER = `
  const { createServer } = require("node:http")
  const server = createServer((req, res) => {
    req.on("data", () => {})
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"ok":true}') })
  })
  server.listen(0, "127.0.0.1", () => console.log("bare listening on " + server.address().port))
  process.on("SIGTERM", () => server.close(() => process.exit(0)))
`

const startBareServer = async () => {
  const child = spawn(process.execPath, ["-e", BARE_SERVER], { stdio: ["ignore", "pipe", "inherit"] })
  const match = await waitForLine(child, /bare listening on (\d+)/)
  return { child, port: Number(match[1]) }
}

const packageScripts = (
  JSON.parse(readFileSync(new URL("package.json", repoRoot), "utf8")) as {
    scripts: { build: string; start: string }
  }
).scripts

const nodeArgsOf = (script: string) => {
  const [node, ...args] = script.split(/\s+/)
  if (node !== "node") throw new Error(`unexpected script: ${script}`)
  return args
}

/** The service as `npm start` runs it: built first (`prestart`), then the same Node flags and entry point. */
const startCommand = () => nodeArgsOf(packageScripts.start)
const build = () => execFileSync(process.execPath, nodeArgsOf(packageScripts.build), { cwd: repoRoot, stdio: "ignore" })

const startEventhook = async (databaseUrl: string) => {
  const child = spawn(process.execPath, startCommand(), {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "error",
      EVENTHOOK_RATE_LIMIT_PER_SECOND: "1000000",
      EVENTHOOK_RATE_LIMIT_BURST: "1000000"
    }
  })
  const match = await waitForLine(child, /eventhook listening on http:\/\/127\.0\.0\.1:(\d+)/)
  return { child, port: Number(match[1]) }
}

// ---------------------------------------------------------------------------------------------------------------
// the database

const withSql = <A>(
  url: string,
  maxConnections: number,
  use: (sql: PgClient.PgClient) => Effect.Effect<A, unknown, SqlClient.SqlClient>
) =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, use).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections })),
      Effect.scoped
    )
  )

const prepareDatabase = async () => {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL
  const scope = Scope.makeUnsafe()
  const serverUrl =
    given ??
    Redacted.value(
      (
        await Effect.runPromise(
          Scope.provide(embeddedPostgres(join(tmpdir(), `eventhook-bench-${randomUUID()}`)), scope)
        )
      ).url
    )
  const name = `eventhook_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  await withSql(serverUrl, 1, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  await withSql(url.toString(), 1, () => runMigrations)
  const info = await withSql(url.toString(), 1, (sql) =>
    sql<{ version: string; synchronous_commit: string }>`
      SELECT version(), current_setting('synchronous_commit') AS synchronous_commit`.pipe(
      Effect.map((rows) => rows[0]!)
    )
  )
  return {
    url: url.toString(),
    description: `${given === undefined ? "embedded" : "given server"}; ${info.version.split(" on ")[0]}; synchronous_commit=${info.synchronous_commit}`,
    drop: async () => {
      await withSql(serverUrl, 1, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

/** A tenant, a GitHub source and a workflow route of their own for one run, so its ledger is its own. */
const createRunSource = (url: string, run: string) =>
  withSql(url, 1, (sql) =>
    Effect.gen(function* () {
      const [tenant] = yield* sql<{ id: string }>`
        INSERT INTO tenant (slug, name) VALUES (${run}, ${run}) ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
        RETURNING id::text AS id`
      const [source] = yield* sql<{ id: string }>`
        INSERT INTO p_eventhook__source (tenant_id, name, slug, verifier_type, verifier_config)
        VALUES (${tenant!.id}, 'GitHub', 'github', 'github', ${sql.json({ type: "github", secret: SECRET })})
        RETURNING id::text AS id`
      yield* sql`INSERT INTO p_eventhook__route (source_id, tenant_id, name, target_type, target_config)
                 VALUES (${source!.id}, ${tenant!.id}, 'to workflow', 'workflow',
                         ${sql.json({ workflow_kind: "bench-issue" })})`
      return { tenantId: tenant!.id, sourceId: source!.id, path: `/api/tenants/${run}/eventhook/in/github` }
    })
  )

interface Ledger {
  readonly acked: number
  readonly non200: number
  readonly rows: number
  readonly delivered: number
  readonly workflows: number
  readonly balanced: boolean
  readonly problem: string | null
}

/** Every 200 has exactly one row; every row is delivered and started one workflow (waits for processing). */
const ledgerOf = async (url: string, run: { tenantId: string; sourceId: string }, result: LoadResult) => {
  const ackedIds = result.shots
    .filter((shot) => shot.status === 200)
    .map((shot) => (JSON.parse(shot.body) as { event_id: string }).event_id)
  const non200 = result.shots.length - ackedIds.length
  const distinct = new Set(ackedIds).size
  const deadline = Date.now() + 120_000
  for (;;) {
    const counts = await withSql(url, 1, (sql) =>
      sql<{ rows: string; delivered: string; workflows: string; matched: string }>`
        SELECT (SELECT count(*) FROM p_eventhook__event WHERE source_id = ${run.sourceId})::text AS rows,
               (SELECT count(*) FROM p_eventhook__event WHERE source_id = ${run.sourceId} AND status = 'delivered')::text AS delivered,
               (SELECT count(*) FROM workflow_execution WHERE tenant_id = ${run.tenantId})::text AS workflows,
               (SELECT count(*) FROM p_eventhook__event WHERE id::text = ANY(${ackedIds}))::text AS matched`.pipe(
        Effect.map((rows) => rows[0]!)
      )
    )
    const [rows, delivered, workflows, matched] = [counts.rows, counts.delivered, counts.workflows, counts.matched].map(
      Number
    ) as [number, number, number, number]
    const settled = delivered === rows && workflows === rows
    if (settled || Date.now() > deadline) {
      const problem =
        distinct !== ackedIds.length
          ? "an event id was acked twice"
          : matched !== ackedIds.length
            ? `${ackedIds.length - matched} acked events have no row`
            : rows !== ackedIds.length
              ? `${rows} rows for ${ackedIds.length} acks`
              : !settled
                ? `not processed after 120 s: ${delivered} delivered, ${workflows} workflows of ${rows}`
                : null
      return {
        acked: ackedIds.length,
        non200,
        rows,
        delivered,
        workflows,
        balanced: problem === null,
        problem
      } satisfies Ledger
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Events of the run finished as `delivered` within its measured window, per second: does processing keep pace? */
const deliveredPerSecond = (url: string, sourceId: string, window: { fromEpochMs: number; toEpochMs: number }) =>
  withSql(url, 1, (sql) =>
    sql<{ n: number }>`
      SELECT count(*)::int AS n FROM p_eventhook__event
      WHERE source_id = ${sourceId} AND status = 'delivered'
        AND processed_at >= to_timestamp(${window.fromEpochMs / 1000})
        AND processed_at < to_timestamp(${window.toEpochMs / 1000})`.pipe(
      Effect.map((rows) => round(rows[0]!.n / ((window.toEpochMs - window.fromEpochMs) / 1000)))
    )
  )

/** Send → workflow row: `created_at` of the workflow minus the scheduled send time carried in the payload. */
const endToEndLatencies = (url: string, tenantId: string) =>
  withSql(url, 1, (sql) =>
    sql<{ latency_ms: number }>`
      SELECT extract(epoch FROM created_at) * 1000 - (input ->> 'sent_at_ms')::float8 AS latency_ms
      FROM workflow_execution WHERE tenant_id = ${tenantId}`.pipe(
      Effect.map((rows) => rows.map((row) => Number(row.latency_ms)))
    )
  )

/** The durable-write ceiling: concurrent single-row INSERTs of an event row, one transaction each. */
const insertCeiling = (url: string, concurrency: number) =>
  withSql(url, concurrency, (sql) =>
    Effect.gen(function* () {
      yield* sql`CREATE TABLE bench_event_ceiling (LIKE p_eventhook__event INCLUDING ALL)`
      const body = payloadOf(Date.now())
      const parsed = JSON.parse(body.toString("utf8"))
      const headers = githubHeaders(body)
      const tenantId = randomUUID()
      const sourceId = randomUUID()
      const latencies: Array<number> = []
      let count = 0
      const start = performance.now()
      const measureFrom = start + WARMUP_SECONDS * 1000
      const end = measureFrom + SECONDS * 1000
      const meter = cpuMeter(null)
      const metering = setTimeout(meter.start, WARMUP_SECONDS * 1000)
      const worker = Effect.gen(function* () {
        while (performance.now() < end) {
          const sent = performance.now()
          yield* sql`
            INSERT INTO bench_event_ceiling (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
              event_type, idempotency_key, status, max_retries, verified, source_ip)
            VALUES (${tenantId}, ${sourceId}, 'application/json', ${body}, ${sql.json(parsed)}, ${sql.json(headers)},
              'issues', ${randomUUID()}, 'pending', 3, true, '127.0.0.1'::inet)`
          if (sent >= measureFrom) {
            count++
            latencies.push(performance.now() - sent)
          }
        }
      })
      yield* Effect.all(
        Array.from({ length: concurrency }, () => worker),
        { concurrency: "unbounded" }
      )
      clearTimeout(metering)
      const cpu = meter.perRequest(count)
      yield* sql`DROP TABLE bench_event_ceiling`
      return { per_second: round(count / SECONDS), ...latencySummary(latencies), cpu }
    })
  )

/**
 * Every measured run starts from a vacuumed and flushed database: a run does not pay for the dead rows or the dirty
 * pages an earlier one left behind (the ceiling's table is dropped after each of its runs).
 */
const settle = (url: string) => withSql(url, 1, (sql) => sql`VACUUM (ANALYZE)`.pipe(Effect.andThen(sql`CHECKPOINT`)))

/**
 * Crash recovery: a queue as a crashed instance leaves it, half its events leased to the dead instance (the lease
 * has run out) and half never leased (handed off to the sweeper), all older than the sweeper's grace. Written
 * straight into the table, then timed until the running service has delivered every one of them.
 */
const recovery = (url: string, run: { tenantId: string; sourceId: string }, count: number) =>
  withSql(url, 1, (sql) =>
    Effect.gen(function* () {
      const body = payloadOf(Date.now())
      const headers = githubHeaders(body)
      yield* sql`
        INSERT INTO p_eventhook__event (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
          event_type, idempotency_key, status, max_retries, verified, source_ip, received_at, locked_by, locked_until)
        SELECT ${run.tenantId}, ${run.sourceId}, 'application/json', ${body}, ${sql.json(JSON.parse(body.toString("utf8")))},
          ${sql.json(headers)}, 'issues', 'recovery-' || i, CASE WHEN i % 2 = 0 THEN 'processing' ELSE 'pending' END,
          3, true, '127.0.0.1'::inet, now() - interval '1 minute',
          CASE WHEN i % 2 = 0 THEN 'eventhook-crashed' END, CASE WHEN i % 2 = 0 THEN now() - interval '1 second' END
        FROM generate_series(1, ${count}) AS i`
      const [queued] = yield* sql<{ at: Date }>`SELECT now() AS at`
      // Each poll counts the whole run, so it polls seldom; the drain is timed by the rows' own timestamps.
      const poll = sql<{ delivered: number; workflows: number; seconds: number }>`
        SELECT (SELECT count(*) FROM p_eventhook__event WHERE source_id = ${run.sourceId} AND status = 'delivered')::int AS delivered,
               (SELECT count(*) FROM workflow_execution WHERE tenant_id = ${run.tenantId})::int AS workflows,
               (SELECT extract(epoch FROM max(processed_at) - ${queued!.at}) FROM p_eventhook__event
                WHERE source_id = ${run.sourceId})::float8 AS seconds`
      const deadline = Date.now() + 300_000
      let drained = (yield* poll)[0]!
      while (!(drained.delivered === count && drained.workflows === count) && Date.now() <= deadline) {
        yield* Effect.sleep("500 millis")
        drained = (yield* poll)[0]!
      }
      return {
        queued: count,
        delivered: drained.delivered,
        workflows: drained.workflows,
        seconds_to_drain: round(drained.seconds, 2),
        per_second: round(count / drained.seconds)
      }
    })
  )

// ---------------------------------------------------------------------------------------------------------------

/** One run's figures, keyed as they appear in the JSON. */
type RunFigures = { readonly per_second: number } & Record<string, unknown>

const rateOf = (result: LoadResult) =>
  round(result.measuredShots.filter((s) => s.status === 200).length / result.seconds)
const latenciesOf = (result: LoadResult) => latencySummary(result.measuredShots.map((shot) => shot.latencyMs))

const main = async () => {
  const startedAt = new Date()
  console.log(
    `eventhook bench: ${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up), concurrency ${CONCURRENCY.join(", ")}, ` +
      `every run but recovery ${REPEATS}× (medians, with the range)`
  )
  build()
  const database = await prepareDatabase()
  const figures: Record<string, unknown> = {}
  const ledgers: Record<string, Ledger> = {}
  try {
    // Saturation: ceilings and Eventhook back to back, repeated ----------------------------------------------------
    // The machine's speed drifts by tens of percent within minutes when its cores are shared, so each Eventhook run is
    // measured right after the two ceilings it is compared with, the three are repeated, and the median ratio is the
    // one reported (every run is in the JSON).
    const bare = await startBareServer()
    const service = await startEventhook(database.url)
    const httpCeiling: Record<string, unknown> = {}
    const insert: Record<string, unknown> = {}
    const saturation: Record<string, unknown> = {}
    for (const concurrency of CONCURRENCY) {
      const key = `c${concurrency}`
      const runs: Array<{
        readonly http: RunFigures
        readonly insert: RunFigures
        readonly eventhook: RunFigures & { readonly vs_http_ceiling: number; readonly vs_insert_ceiling: number }
      }> = []
      for (let repeat = 1; repeat <= REPEATS; repeat++) {
        const http = await saturate(
          bare.port,
          "/",
          concurrency,
          () => payloadOf(Date.now()),
          "repeated",
          bare.child.pid!
        )
        await settle(database.url)
        const ceiling = await insertCeiling(database.url, concurrency)
        const run = await createRunSource(database.url, `sat-${concurrency}-${repeat}`)
        await settle(database.url)
        const result = await saturate(
          service.port,
          run.path,
          concurrency,
          () => payloadOf(Date.now()),
          "distinct",
          service.child.pid!
        )
        ledgers[`saturation_${key}_run${repeat}`] = await ledgerOf(database.url, run, result)
        runs.push({
          http: { per_second: rateOf(http), ...latenciesOf(http), cpu: http.cpu },
          insert: ceiling,
          eventhook: {
            per_second: rateOf(result),
            ...latenciesOf(result),
            vs_http_ceiling: round(rateOf(result) / rateOf(http), 3),
            vs_insert_ceiling: round(rateOf(result) / ceiling.per_second, 3),
            delivered_per_second: await deliveredPerSecond(database.url, run.sourceId, result.window!),
            cpu: result.cpu
          }
        })
      }
      // Each figure is the median run's, with the spread over the runs beside it.
      const ofMedian = (side: "http" | "insert" | "eventhook") => ({
        ...medianBy(runs, (run) => run[side].per_second)[side],
        per_second_spread: spread(runs.map((run) => run[side].per_second)),
        runs: runs.map((run) => run[side])
      })
      httpCeiling[key] = ofMedian("http")
      insert[key] = ofMedian("insert")
      saturation[key] = {
        ...ofMedian("eventhook"),
        vs_insert_ceiling: spread(runs.map((run) => run.eventhook.vs_insert_ceiling)),
        vs_http_ceiling: spread(runs.map((run) => run.eventhook.vs_http_ceiling))
      }
    }
    await stop(bare.child)
    figures.http_ceiling = httpCeiling
    figures.insert_ceiling = insert
    figures.eventhook_saturation = saturation

    // Constant rates: repeated too; each figure is the run with the median p99 (of the ack, of webhook → workflow).
    const constantRuns: Array<{
      acked_per_second: number
      ack: ReturnType<typeof latencySummary>
      /** The load generator's own share of the ack latency: how late it sent each request. */
      sent_late: ReturnType<typeof latencySummary>
      cpu: unknown
    }> = []
    const e2eRuns: Array<{
      ack: ReturnType<typeof latencySummary>
      cpu: unknown
      webhook_to_workflow: ReturnType<typeof latencySummary>
    }> = []
    /** One open-loop run at `rate` from a source of its own, with its ledger. */
    const offeredRun = async (name: string, rate: number) => {
      const run = await createRunSource(database.url, name.replaceAll("_", "-"))
      await settle(database.url)
      const result = await offerRate(service.port, run.path, rate, (due) => payloadOf(due), service.child.pid!)
      ledgers[name] = await ledgerOf(database.url, run, result)
      return { run, result }
    }
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const constant = await offeredRun(`constant_${CONSTANT_RATE}_run${repeat}`, CONSTANT_RATE)
      constantRuns.push({
        acked_per_second: rateOf(constant.result),
        ack: latenciesOf(constant.result),
        sent_late: constant.result.sendLateness!,
        cpu: constant.result.cpu
      })
      const e2e = await offeredRun(`end_to_end_${END_TO_END_RATE}_run${repeat}`, END_TO_END_RATE)
      e2eRuns.push({
        ack: latenciesOf(e2e.result),
        cpu: e2e.result.cpu,
        webhook_to_workflow: latencySummary(await endToEndLatencies(database.url, e2e.run.tenantId))
      })
    }
    figures.eventhook_constant_rate = {
      offered_per_second: CONSTANT_RATE,
      ...medianBy(constantRuns, (run) => run.ack.p99_ms),
      ack_p99_spread: spread(constantRuns.map((run) => run.ack.p99_ms)),
      runs: constantRuns
    }
    figures.eventhook_end_to_end = {
      offered_per_second: END_TO_END_RATE,
      ...medianBy(e2eRuns, (run) => run.webhook_to_workflow.p99_ms),
      webhook_to_workflow_p99_spread: spread(e2eRuns.map((run) => run.webhook_to_workflow.p99_ms)),
      runs: e2eRuns
    }
    const recoveryRun = await createRunSource(database.url, "recovery")
    await settle(database.url)
    const recovered = await recovery(database.url, recoveryRun, RECOVERY_EVENTS)
    figures.eventhook_recovery = recovered
    const recoveryProblem =
      recovered.delivered !== recovered.queued || recovered.workflows !== recovered.queued
        ? `${recovered.delivered} delivered, ${recovered.workflows} workflows of ${recovered.queued} queued`
        : null
    ledgers.recovery = {
      acked: recovered.queued,
      non200: 0,
      rows: recovered.queued,
      delivered: recovered.delivered,
      workflows: recovered.workflows,
      balanced: recoveryProblem === null,
      problem: recoveryProblem
    }
    figures.eventhook_peak_rss_mb = peakRssMb(service.child.pid!)
    await stop(service.child)
  } finally {
    await database.drop()
  }

  const balanced = Object.values(ledgers).every((ledger) => ledger.balanced)
  const report = {
    started_at: startedAt.toISOString(),
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version, database: database.description },
    note: "load generator, service and PostgreSQL share the machine's cores",
    seconds_per_run: SECONDS,
    figures,
    ledgers,
    ledger_balanced: balanced
  }
  mkdirSync(new URL("bench-results/", repoRoot), { recursive: true })
  const file = new URL(`bench-results/bench-${startedAt.toISOString().replaceAll(":", "-")}.json`, repoRoot)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  printTable(report)
  console.log(`\nall figures: ${file.pathname}`)
  if (!balanced) {
    console.error("LEDGER DOES NOT BALANCE: this run is void")
    process.exitCode = 1
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the report is printed as it was built above
const printTable = (report: any) => {
  const f = report.figures
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const cpuOf = (cpu: any) =>
    cpu === undefined ? "" : [cpu.service_ms ?? "–", cpu.postgres_ms ?? "?", cpu.load_generator_ms].join(" + ")
  const rows: Array<[string, string, string, string, string, string]> = [
    ["run", "req/s", "p50 ms", "p99 ms", "ratio", "CPU ms/req: server + postgres + client"]
  ]
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const range = (spread: any) => (REPEATS > 1 ? ` (${spread.min}–${spread.max})` : "")
  /** A saturation run's row: its median run's figures, with the range of its rate over the runs. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const saturationRow = (label: string, run: any, ratio: string): (typeof rows)[number] => [
    label,
    `${run.per_second}${range(run.per_second_spread)}`,
    run.p50_ms,
    run.p99_ms,
    ratio,
    cpuOf(run.cpu)
  ]
  for (const c of CONCURRENCY) {
    const key = `c${c}`
    rows.push(saturationRow(`http ceiling (bare node:http) c=${c}`, f.http_ceiling[key], ""))
    rows.push(saturationRow(`insert ceiling (1 row/txn) c=${c}`, f.insert_ceiling[key], ""))
    const s = f.eventhook_saturation[key]
    rows.push(
      saturationRow(
        `eventhook saturation c=${c}`,
        s,
        `${s.vs_insert_ceiling.median}× insert${range(s.vs_insert_ceiling)}, ${s.vs_http_ceiling.median}× http; ${s.delivered_per_second}/s delivered`
      )
    )
  }
  const k = f.eventhook_constant_rate
  rows.push([
    `eventhook ${k.offered_per_second}/s offered (ack)`,
    k.acked_per_second,
    k.ack.p50_ms,
    `${k.ack.p99_ms}${range(k.ack_p99_spread)}`,
    `p99.9 ${k.ack.p999_ms} ms; sent late: p50 ${k.sent_late.p50_ms}, p99 ${k.sent_late.p99_ms} ms`,
    cpuOf(k.cpu)
  ])
  const e = f.eventhook_end_to_end
  rows.push([
    `eventhook ${e.offered_per_second}/s webhook→workflow`,
    "",
    e.webhook_to_workflow.p50_ms,
    `${e.webhook_to_workflow.p99_ms}${range(e.webhook_to_workflow_p99_spread)}`,
    `p99.9 ${e.webhook_to_workflow.p999_ms} ms`,
    cpuOf(e.cpu)
  ])
  const r = f.eventhook_recovery
  rows.push([
    `eventhook recovery: ${r.queued} queued events`,
    r.per_second,
    "",
    "",
    `drained in ${r.seconds_to_drain} s`,
    ""
  ])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
  console.log("")
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i]!)).join("  "))
  console.log(`\npeak RSS of the service: ${f.eventhook_peak_rss_mb} MB`)
  for (const [name, ledger] of Object.entries(report.ledgers as Record<string, Ledger>))
    console.log(
      `ledger ${name}: ${ledger.acked} ${name === "recovery" ? "queued" : "acked"}, ${ledger.non200} not 200, ${ledger.rows} rows, ${ledger.delivered} delivered, ${ledger.workflows} workflows — ${ledger.balanced ? "balanced" : `VOID: ${ledger.problem}`}`
    )
}

await main()
