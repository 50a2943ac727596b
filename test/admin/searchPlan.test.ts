import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Layer } from "effect"
import type { EventSummary } from "../../src/domain/Event.ts"
import { searchStatement } from "../../src/store/EventReads.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { nodesOf, type PlanNode, planOf } from "../support/queryPlans.ts"
import { createSource, freshTenant, PlainSourceRepo, TestDatabase } from "../support/TestLayers.ts"

// The dashboard's payload search (issue 20) must read the tenant's events in the window through its
// `(tenant_id, received_at)` index, newest first, whatever else the table holds. With another tenant's burst filling
// the window, PostgreSQL took a containment for so selective a condition that it read the whole table instead
// (the bench: 1.3 s for an hour). Run under EXPLAIN here, for that case.

/** Carries the plan and the rows out of the transaction, which is rolled back: no other test sees these events. */
class RolledBack extends Data.TaggedError("RolledBack")<{
  readonly plan: PlanNode
  readonly found: ReadonlyArray<EventSummary>
}> {}

const Live = Layer.mergeAll(TenantRepo.layer, PlainSourceRepo).pipe(Layer.provideMerge(TestDatabase))

describe("the payload search's plan", () => {
  it.live("with another tenant's burst in the window, a containment search walks the tenant's index", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [tenant, busy] = [yield* freshTenant, yield* freshTenant]
      const sourceOf = (tenantId: typeof tenant.id) =>
        createSource(tenantId, { slug: "s", verifier_config: { type: "none" } })
      const [sourceId, busySourceId] = [yield* sourceOf(tenant.id), yield* sourceOf(busy.id)]
      // 60,000 events of the tenant over 30 days, customers cus_0…cus_9999; 60,000 of another in the last minutes.
      const events = (tenantId: string, source: string, count: number, receivedAt: string) =>
        sql.unsafe(
          `INSERT INTO p_eventhook__event (tenant_id, source_id, raw_payload, parsed_payload, verified, status,
             received_at)
           SELECT $1, $2, convert_to(p::text, 'UTF8'), p, true, 'delivered', ${receivedAt}
           FROM generate_series(1, ${count}) AS n,
             LATERAL (SELECT jsonb_build_object('data', jsonb_build_object('object',
               jsonb_build_object('customer', 'cus_' || (n % 10000), 'amount', n))) AS p) AS payload`,
          [tenantId, source]
        )
      const since = new Date(Date.now() - 30 * 86_400_000)

      const { plan, found } = yield* Effect.gen(function* () {
        yield* events(tenant.id, sourceId, 60_000, "now() - n * interval '43 seconds'")
        yield* events(busy.id, busySourceId, 60_000, "now() - random() * interval '15 minutes'")
        yield* sql`ANALYZE p_eventhook__event`
        const statement = searchStatement(sql, tenant.id, {
          from: since,
          payloadContains: { data: { object: { customer: "cus_4242" } } },
          limit: 51
        })
        const found = (yield* statement) as unknown as ReadonlyArray<EventSummary>
        return yield* new RolledBack({ plan: yield* planOf(sql, statement, false), found })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("RolledBack", (rolledBack) => Effect.succeed(rolledBack)),
        Effect.orDie
      )

      // cus_4242 is every 10,000th event: 6 of the tenant's, none of the other's.
      assert.strictEqual(found.length, 6)
      const scans = nodesOf(plan).filter((node) => node["Relation Name"] === "p_eventhook__event")
      assert.deepStrictEqual(
        scans.map((node) => [node["Node Type"], node["Index Name"]]),
        [["Index Scan", "p_eventhook__event_tenant_received"]],
        "the tenant's events in the window, newest first, through its index"
      )
    }).pipe(Effect.provide(Live))
  )
})
