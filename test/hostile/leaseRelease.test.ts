// Issue 15, defect 11: events whose processing stopped because PostgreSQL went away used to wait out their whole
// 60 s lease. The instance that holds them hands them back as soon as the database answers again; this measures
// the time from the database's return to the last delivery, on a cluster of the test's own (pg_ctl).

import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Schedule } from "effect"
import { PromiseResolver, TaskLauncher, WorkflowLauncher } from "../../src/Eventhook.ts"
import { RouteRepo } from "../../src/store/RouteRepo.ts"
import { rawRequest } from "../support/http.ts"
import { ownCluster, seedOpenSource, serviceOn } from "../support/ownCluster.ts"

const EVENTS = 20

describe("database outage during processing", () => {
  it.live(
    "events in flight when PostgreSQL stops are delivered within seconds of its return, not after their lease",
    () =>
      Effect.gen(function* () {
        const { start } = yield* ownCluster("eventhook-release")
        const first = yield* start
        // The host's launcher holds every launch until the gate opens: the events are in flight, leased.
        const gate = yield* Deferred.make<void>()
        const launched = new Set<string>()
        const HeldLauncher = Layer.mergeAll(
          Layer.succeed(
            WorkflowLauncher,
            WorkflowLauncher.of({
              launch: (launch) =>
                Deferred.await(gate).pipe(
                  Effect.andThen(
                    Effect.sync(() => {
                      launched.add(launch.idempotencyKey)
                      return { executionId: launch.idempotencyKey, created: true }
                    })
                  )
                )
            })
          ),
          Layer.succeed(TaskLauncher, TaskLauncher.of({ launch: () => Effect.die("no tasks here") })),
          Layer.succeed(PromiseResolver, PromiseResolver.of({ settle: () => Effect.die("no promises here") }))
        )
        const app = yield* serviceOn(first.url, {
          maxConnections: 6,
          config: { rateLimitBurst: 1000 },
          targets: HeldLauncher
        })
        yield* Effect.gen(function* () {
          const { tenantId, sourceId } = yield* seedOpenSource
          yield* (yield* RouteRepo).insert({
            tenant_id: tenantId,
            source_id: sourceId,
            name: "to workflow",
            target_type: "workflow",
            target_config: { workflow_kind: "k" }
          })
          for (let i = 0; i < EVENTS; i++) {
            const sent = yield* rawRequest(
              "POST",
              "/api/tenants/acme/eventhook/in/open",
              { "content-type": "application/json" },
              `{"n":${i}}`
            )
            assert.strictEqual(sent.status, 200)
          }
          yield* Effect.sleep("300 millis")
          yield* first.stop
          // The targets answer while the database is down: the finishes fail.
          yield* Deferred.succeed(gate, undefined)
          yield* Effect.sleep("2 seconds")

          const second = yield* start
          const returned = Date.now()
          const sql = yield* PgClient.PgClient
          const delivered = sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event
                                              WHERE status = 'delivered'`.pipe(
            Effect.map((rows) => rows[0]?.n ?? 0),
            Effect.catch(() => Effect.succeed(-1))
          )
          // Bounded well below the 60 s lease: before the fix they waited for it to run out.
          const final = yield* delivered.pipe(
            Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (n) => n === EVENTS, times: 200 })
          )
          const drainMillis = Date.now() - returned
          assert.strictEqual(final, EVENTS)
          assert.isBelow(drainMillis, 20_000)
          assert.strictEqual(launched.size, EVENTS)
          console.log(`database back → last of ${EVENTS} in-flight events delivered: ${drainMillis} ms`)
          yield* second.stop
        }).pipe(Effect.provide(app), Effect.scoped)
      }).pipe(Effect.scoped),
    120_000
  )
})
