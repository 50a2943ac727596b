import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Layer } from "effect"
import { claimDueStatement } from "../../src/store/EventQueue.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { nodesOf, type PlanNode, planOf } from "../support/queryPlans.ts"
import { createSource, freshTenant, PlainSourceRepo, TestDatabase } from "../support/TestLayers.ts"

// A sweep must read only about what it claims (issue 7): when it read every queued row and sorted them, draining a
// crashed instance's backlog slowed with its depth. The planner decides that, so the sweep is run here under EXPLAIN
// ANALYZE, for the case that matters: a deep backlog of every kind among many finished events, with the statistics
// ANALYZE gives them. Which index serves which kind is the planner's choice (the unleased may come through the status
// index, in the same order); what it must not do is read the backlog, or sort it.

const rowsRead = (node: PlanNode) =>
  (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"]

/** Carries the plan out of the transaction, which is rolled back so that no other test's sweeper sees the backlog. */
class RolledBack extends Data.TaggedError("RolledBack")<{ readonly plan: PlanNode }> {}

const LIMIT = 50

const Live = Layer.mergeAll(TenantRepo.layer, PlainSourceRepo).pipe(Layer.provideMerge(TestDatabase))

describe("the sweep's plan", () => {
  it.live("over a deep backlog, a sweep claims a batch of each kind reading about that many rows, with no sort", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
      const longAgo = (step: "second" | "ms") => `now() - interval '1 day' - n * interval '1 ${step}'`
      const events = (count: number, columns: string, values: string) =>
        sql.unsafe(
          `INSERT INTO p_eventhook__event (tenant_id, source_id, raw_payload, parsed_payload, verified, received_at,
             ${columns})
           SELECT $1, $2, convert_to('{"n":' || n || '}', 'UTF8'), jsonb_build_object('n', n), true,
             ${longAgo("second")}, ${values}
           FROM generate_series(1, ${count}) AS n`,
          [tenant.id, sourceId]
        )

      const plan = yield* Effect.gen(function* () {
        yield* events(20_000, "status, processed_at", "'delivered', now()")
        // A crashed instance's work, received over the same hours: events never leased (its workers had enough
        // waiting), events leased to it and still pending (handed over, not yet taken) or processing, their leases
        // run out, and retries come due. A day in the past, so that they come before any other test's rows.
        yield* events(6_000, "status", "'pending'")
        yield* events(6_000, "status, locked_by, locked_until", `'pending', 'dead', ${longAgo("ms")}`)
        yield* events(2_000, "status, locked_by, locked_until", `'processing', 'dead', ${longAgo("ms")}`)
        yield* events(2_000, "status, next_retry_at", `'failed', ${longAgo("ms")}`)
        yield* sql`ANALYZE p_eventhook__event`
        const plan = yield* planOf(
          sql,
          claimDueStatement(sql, { holder: "plan-test", seconds: 60 }, { limit: LIMIT, pendingGraceSeconds: 5 }),
          true
        )
        return yield* new RolledBack({ plan })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("RolledBack", (rolledBack) => Effect.succeed(rolledBack.plan)),
        Effect.orDie
      )

      const nodes = nodesOf(plan)
      const scans = nodes.filter(
        (node) => node["Relation Name"] === "p_eventhook__event" && node["Node Type"] !== "ModifyTable"
      )
      assert.strictEqual(plan["Actual Rows"], 3 * LIMIT, "a batch of each kind is claimed")
      assert.deepStrictEqual(
        scans.filter((node) => node["Node Type"].includes("Seq Scan")),
        [],
        "no sequential scan of the event table"
      )
      assert.deepStrictEqual(
        nodes.filter((node) => node["Node Type"] === "Sort"),
        [],
        "no sort: the backlog is read in order, and the read stops at the limit"
      )
      // The claim reads 3 × 50 rows through the indexes and 150 by primary key; the unleased, when they come through
      // the status index, skip the leased rows among them (349 rows in all here). Without migration 0006's indexes
      // the plan sorts, and reads 14,299 rows of this queue.
      const read = scans.reduce((total, node) => total + rowsRead(node), 0)
      assert.isAtMost(read, 4 * 3 * LIMIT, `rows read from the event table: ${read}`)
    }).pipe(Effect.provide(Live))
  )
})
