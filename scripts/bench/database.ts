import { randomUUID } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Effect, Exit, Layer, Redacted, References, Scope } from "effect"
import type { SqlClient } from "effect/sql"
import { RouteAdmin } from "../../src/admin/RouteAdmin.ts"
import { SourceAdmin } from "../../src/admin/SourceAdmin.ts"
import { TenantAdmin } from "../../src/admin/TenantAdmin.ts"
import { AppConfig } from "../../src/config/AppConfig.ts"
import type { NewEvent } from "../../src/domain/Event.ts"
import type { SourceId, TenantId } from "../../src/domain/ids.ts"
import { EventhookOperatorTools } from "../../src/Eventhook.ts"
import { runMigrations } from "../../src/store/Database.ts"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"
import { EventRepo } from "../../src/store/EventRepo.ts"
import type { Destination } from "./destination.ts"
import type { LoadResult } from "./load.ts"
import { cpuMeter } from "./processes.ts"
import { SECONDS, SECRET, WARMUP_SECONDS } from "./settings.ts"
import { latencySummary, round } from "./statistics.ts"
import { githubHeaders, payloadOf } from "./webhook.ts"

// The database: prepared, seeded, and read back for the ledger.

export const withSql = <A>(
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

export const prepareDatabase = async () => {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL
  const scope = Scope.makeUnsafe()
  const serverUrl =
    given ??
    Redacted.value(
      (
        await Effect.runPromise(
          // Two services' pools of 20 (and ingest's pipelined connection each, where it is turned on), the peer's
          // pool of 20 and the insert ceiling's 64 connections at c=64 pass PostgreSQL's default of 100 together.
          Scope.provide(
            embeddedPostgres(join(tmpdir(), `eventhook-bench-${randomUUID()}`), { maxConnections: 250 }),
            scope
          )
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

/**
 * Runs `use` with the operator services the CLI runs (issue 16: fixtures made by the code that makes them for
 * users, so a migration cannot silently break them), against the bench's database.
 */
const withOperatorTools = <A, E>(
  url: string,
  use: Effect.Effect<A, E, TenantAdmin | SourceAdmin | RouteAdmin | EventRepo>
) =>
  Effect.runPromise(
    use.pipe(
      Effect.provide(
        EventhookOperatorTools.pipe(
          Layer.provideMerge(EventRepo.layer),
          Layer.provideMerge(PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })),
          Layer.provide(AppConfig.layer),
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ ...process.env, DATABASE_URL: url })))
        )
      ),
      Effect.provideService(References.MinimumLogLevel, "Warn")
    )
  )

/** The route of a run: a workflow (the default), or an http target to the bench's destination. */
export type RunTarget = (
  | { readonly target_type: "workflow"; readonly target_config: Record<string, unknown> }
  | { readonly target_type: "http"; readonly target_config: Record<string, unknown> }
) & { readonly filter?: string; readonly transform?: string }
export const workflowTarget: RunTarget = { target_type: "workflow", target_config: { workflow_kind: "bench-issue" } }

/** A tenant, a GitHub source and a route of their own for one run, so its ledger is its own. */
export const createRunSource = (url: string, run: string, target: RunTarget = workflowTarget) =>
  withOperatorTools(
    url,
    Effect.gen(function* () {
      const tenant = yield* (yield* TenantAdmin).create({ slug: run, name: run })
      const source = yield* (yield* SourceAdmin).create(run, {
        slug: "github",
        name: "GitHub",
        verifier_config: { type: "github", secret: SECRET }
      })
      yield* (yield* RouteAdmin).create(run, { source: "github", name: `to ${target.target_type}`, ...target })
      return {
        tenantId: tenant.id,
        sourceId: source.id,
        path: new URL(source.ingest_url).pathname
      }
    })
  )

export interface Ledger {
  readonly acked: number
  readonly non200: number
  readonly rows: number
  readonly delivered: number
  /** What the route reached: workflows started, or distinct deliveries at the http destination. */
  readonly workflows: number
  /** For an http route: deliveries that arrived more than once (by webhook-id), counted, not hidden. */
  readonly repeats?: number
  readonly balanced: boolean
  readonly problem: string | null
}

/**
 * Every 200 has exactly one row; every row is delivered and started one workflow — or, with `destination`, arrived
 * there exactly once (waits for processing).
 */
export const ledgerOf = async (
  url: string,
  run: { tenantId: string; sourceId: string },
  result: LoadResult,
  destination?: Destination
) => {
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
    const [rows, delivered, workflowRows, matched] = [
      counts.rows,
      counts.delivered,
      counts.workflows,
      counts.matched
    ].map(Number) as [number, number, number, number]
    const workflows = destination === undefined ? workflowRows : destination.received.size
    const repeats =
      destination === undefined
        ? 0
        : [...destination.received.values()].reduce((sum, delivery) => sum + delivery.count - 1, 0)
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
        ...(destination === undefined ? {} : { repeats }),
        balanced: problem === null,
        problem
      } satisfies Ledger
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Events of the run finished as `delivered` within its measured window, per second: does processing keep pace? */
export const deliveredPerSecond = (url: string, sourceId: string, window: { fromEpochMs: number; toEpochMs: number }) =>
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
export const endToEndLatencies = (url: string, tenantId: string) =>
  withSql(url, 1, (sql) =>
    sql<{ latency_ms: number }>`
      SELECT extract(epoch FROM created_at) * 1000 - (input ->> 'sent_at_ms')::float8 AS latency_ms
      FROM workflow_execution WHERE tenant_id = ${tenantId}`.pipe(
      Effect.map((rows) => rows.map((row) => Number(row.latency_ms)))
    )
  )

/** The durable-write ceiling: concurrent single-row INSERTs of an event row, one transaction each. */
export const insertCeiling = (url: string, concurrency: number) =>
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
export const settle = (url: string) =>
  withSql(url, 1, (sql) => sql`VACUUM (ANALYZE)`.pipe(Effect.andThen(sql`CHECKPOINT`)))

/**
 * Crash recovery: a queue as a crashed instance leaves it, half its events leased to the dead instance (the lease
 * has run out) and half never leased (handed off to the sweeper), all older than the sweeper's grace. The events
 * are stored by ingest's own statement (EventRepo.insertBatch); then the clock is moved on (received a minute ago,
 * the dead instance's leases run out), and the running service is timed until it has delivered every one of them.
 */
export const recovery = async (url: string, run: { tenantId: string; sourceId: string }, count: number) => {
  const body = payloadOf(Date.now())
  const parsed = JSON.parse(body.toString("utf8"))
  const headers = githubHeaders(body)
  const crashed = { holder: "eventhook-crashed", seconds: 60 }
  await withOperatorTools(
    url,
    Effect.gen(function* () {
      const events = yield* EventRepo
      for (let from = 0; from < count; from += 1_000) {
        const batch = Array.from({ length: Math.min(1_000, count - from) }, (_, offset): NewEvent => {
          const i = from + offset
          return {
            tenant_id: run.tenantId as TenantId,
            source_id: run.sourceId as SourceId,
            content_type: "application/json",
            raw_payload: body,
            parsed_payload: parsed,
            headers,
            event_type: "issues",
            idempotency_key: `recovery-${i}`,
            status: "pending",
            max_retries: 3,
            last_error: null,
            verified: true,
            verification_error: null,
            verified_secret_index: 0,
            source_ip: "127.0.0.1",
            lease: i % 2 === 0 ? crashed : null
          }
        })
        yield* events.insertBatch(batch)
      }
    })
  )
  return withSql(url, 1, (sql) =>
    Effect.gen(function* () {
      yield* sql`
        UPDATE p_eventhook__event
        SET received_at = now() - interval '1 minute',
            locked_until = CASE WHEN locked_by IS NOT NULL THEN now() - interval '1 second' END
        WHERE source_id = ${run.sourceId}`
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
}

/** The peer's ledger (issue 22): after an emptied table, every 200 has exactly one row, and no other row exists. */
export const peerLedgerOf = async (url: string, result: LoadResult): Promise<Ledger> => {
  const acked = result.shots.filter((shot) => shot.status === 200).length
  const rows = await withSql(url, 1, (sql) =>
    sql<{ rows: number }>`SELECT count(*)::int AS rows FROM peer_delivery`.pipe(Effect.map((found) => found[0]!.rows))
  )
  const problem = rows === acked ? null : `${rows} rows for ${acked} acks`
  return {
    acked,
    non200: result.shots.length - acked,
    rows,
    delivered: 0,
    workflows: 0,
    balanced: problem === null,
    problem
  }
}

/** Empties the peer's table before a run of it, so its ledger counts that run alone. */
export const resetPeer = (url: string) => withSql(url, 1, (sql) => sql`TRUNCATE peer_delivery`)

/**
 * A burst's drain (issue 22): waits until every event of the source is delivered (up to 5 minutes), then reads
 * when the last one was, and how many were delivered within the burst's window.
 */
export const drainOf = async (
  url: string,
  sourceId: string,
  count: number,
  window: { readonly fromEpochMs: number; readonly toEpochMs: number }
) => {
  const deadline = Date.now() + 300_000
  for (;;) {
    const [row] = await withSql(
      url,
      1,
      (sql) =>
        sql<{ delivered: number; last_ms: number | null; during: number }>`
        SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
               (extract(epoch FROM max(processed_at)) * 1000)::float8 AS last_ms,
               count(*) FILTER (WHERE status = 'delivered'
                 AND processed_at < to_timestamp(${window.toEpochMs / 1000}))::int AS during
        FROM p_eventhook__event WHERE source_id = ${sourceId}`
    )
    if (row!.delivered >= count || Date.now() > deadline)
      return {
        delivered: row!.delivered,
        delivered_during_burst: row!.during,
        seconds_to_drain_from_start: round(((row!.last_ms ?? window.toEpochMs) - window.fromEpochMs) / 1000, 2),
        seconds_to_catch_up_after_burst: round(
          Math.max(0, (row!.last_ms ?? window.toEpochMs) - window.toEpochMs) / 1000,
          2
        )
      }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * A retry storm's ledger: the same deliveries sent over and over. Every 200 has a row of its own; each delivery
 * is accepted once (processed once, one workflow), and every other row is a duplicate pointing at its original.
 */
export const repeatsLedgerOf = async (
  url: string,
  run: { tenantId: string; sourceId: string },
  result: LoadResult
): Promise<Ledger> => {
  const ackedIds = result.shots
    .filter((shot) => shot.status === 200)
    .map((shot) => (JSON.parse(shot.body) as { event_id: string }).event_id)
  // The run's ~10,000 rows are new to the planner: with the statistics of before, it joined each row with a scan of
  // the source's rows (minutes), and the first count outlived the deadline.
  await withSql(url, 1, (sql) => sql`ANALYZE p_eventhook__event`)
  const deadline = Date.now() + 120_000
  for (;;) {
    const [counts] = await withSql(
      url,
      1,
      (sql) =>
        sql<{
          rows: number
          originals: number
          delivered: number
          pointing: number
          workflows: number
          matched: number
        }>`
        SELECT count(*)::int AS rows,
               count(*) FILTER (WHERE NOT e.is_duplicate)::int AS originals,
               count(*) FILTER (WHERE NOT e.is_duplicate AND e.status = 'delivered')::int AS delivered,
               count(*) FILTER (WHERE e.is_duplicate AND e.status = 'duplicate' AND original.id IS NOT NULL)::int AS pointing,
               (SELECT count(*) FROM workflow_execution WHERE tenant_id = ${run.tenantId})::int AS workflows,
               -- Each acked id looked up by the primary key, not compared with every row.
               (SELECT count(*) FROM unnest(${ackedIds}::uuid[]) AS acked (id)
                 JOIN p_eventhook__event found USING (id) WHERE found.source_id = ${run.sourceId})::int AS matched
        FROM p_eventhook__event e
        LEFT JOIN p_eventhook__event original
          ON original.id = e.duplicate_of AND original.source_id = e.source_id AND NOT original.is_duplicate
        WHERE e.source_id = ${run.sourceId}`
    )
    const { rows, originals, delivered, pointing, workflows, matched } = counts!
    const settled = delivered === originals && workflows === originals
    if (settled || Date.now() > deadline) {
      const problem =
        new Set(ackedIds).size !== ackedIds.length
          ? "an event id was acked twice"
          : matched !== ackedIds.length || rows !== ackedIds.length
            ? `${rows} rows (${matched} of them acked) for ${ackedIds.length} acks`
            : pointing !== rows - originals
              ? `${rows - originals - pointing} repeats are not duplicates of an accepted event`
              : !settled
                ? `not processed after 120 s: ${delivered} delivered, ${workflows} workflows of ${originals}`
                : null
      return {
        acked: ackedIds.length,
        non200: result.shots.length - ackedIds.length,
        rows,
        delivered,
        workflows,
        balanced: problem === null,
        problem
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
