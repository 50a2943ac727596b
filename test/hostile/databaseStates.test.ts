// Issue 15, defect 3: while PostgreSQL starts up, shuts down or has no connection slot left it answers SQLSTATE
// 57P03 / 57P01 / 53300; each is `503 unavailable` with Retry-After on ingest, admin and /health, never a 500.
// A cluster of this test's own is put into each state with pg_ctl and a role's connection limit.

import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Redacted, Schedule } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { rawRequest } from "../support/http.ts"
import { ownCluster, SERVICE_APPLICATION_NAME, seedOpenSource, serviceOn } from "../support/ownCluster.ts"

const TOKEN = "admin-token-for-database-states"

/** Every surface answers 503 unavailable with Retry-After. */
const assertAllUnavailable = (state: string) =>
  Effect.gen(function* () {
    const answers = [
      yield* rawRequest("POST", "/api/tenants/acme/eventhook/in/open", { "content-type": "application/json" }, "{}"),
      yield* rawRequest("GET", "/api/tenants/acme/eventhook/events", { authorization: `Bearer ${TOKEN}` }),
      yield* rawRequest("GET", "/api/eventhook/tenants", { authorization: `Bearer ${TOKEN}` }),
      yield* rawRequest("GET", "/health")
    ]
    for (const answer of answers) {
      assert.strictEqual(answer.status, 503, `${state}: ${answer.text}`)
      assert.strictEqual(answer.headers["retry-after"], "5")
      assert.strictEqual(JSON.parse(answer.text).error, "unavailable")
    }
  })

const ingestStatus = Effect.map(
  rawRequest("POST", "/api/tenants/acme/eventhook/in/open", { "content-type": "application/json" }, "{}"),
  (answer) => answer.status
)

const SERVICE_ROLE = "eventhook_svc"

describe("database states", () => {
  it.live(
    "shutting down (57P03), terminated (57P01), no connection slot for its role (53300): 503 everywhere, then 200",
    () =>
      Effect.gen(function* () {
        const { start, pgCtl } = yield* ownCluster("eventhook-states")
        const first = yield* start
        // The operator: a superuser pool of the test's own. The service connects as a role of its own (not a
        // superuser), so that its connection limit applies to it.
        const operatorOn = (url: Redacted.Redacted<string>) =>
          PgClient.make({ url, connectTimeout: "2 seconds", maxConnections: 4, applicationName: "op" }).pipe(
            Effect.provide(Reactivity.layer),
            Effect.orDie
          )
        const setup = yield* operatorOn(first.url)
        yield* setup`CREATE ROLE ${setup(SERVICE_ROLE)} LOGIN PASSWORD 'service-password'`.pipe(Effect.orDie)
        yield* setup`CREATE DATABASE eventhook OWNER ${setup(SERVICE_ROLE)}`.pipe(Effect.orDie)
        const serviceUrl = Redacted.make(
          Redacted.value(first.url)
            .replace(/\/\/[^@]+@/, `//${SERVICE_ROLE}:service-password@`)
            .replace(/\/postgres$/, "/eventhook")
        )
        const app = yield* serviceOn(serviceUrl, {
          maxConnections: 4,
          config: { adminToken: Option.some(Redacted.make(TOKEN)) }
        })
        yield* Effect.gen(function* () {
          yield* seedOpenSource
          assert.strictEqual(yield* ingestStatus, 200)
          const terminateService = (operator: PgClient.PgClient) =>
            operator`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
                     WHERE application_name = ${SERVICE_APPLICATION_NAME}`.pipe(Effect.orDie)

          // 57P01 then 57P03: a smart shutdown waits for the operator's open session and refuses new connections
          // meanwhile; the service's sessions are terminated, so every request needs a new one.
          const release = yield* Deferred.make<void>()
          const held = yield* Effect.forkChild(setup.withTransaction(Deferred.await(release)).pipe(Effect.orDie))
          yield* Effect.sleep("100 millis")
          yield* terminateService(setup)
          yield* pgCtl(["stop", "--mode=smart", "--no-wait"])
          yield* Effect.sleep("300 millis")
          yield* assertAllUnavailable("shutting down")
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(held)
          yield* first.stop

          // 53300: the service's role may hold no connection (as with max_connections reached, the same code).
          const second = yield* start
          yield* Effect.gen(function* () {
            const operator = yield* operatorOn(second.url)
            yield* operator`ALTER ROLE ${operator(SERVICE_ROLE)} CONNECTION LIMIT 0`.pipe(Effect.orDie)
            yield* terminateService(operator)
            yield* Effect.sleep("300 millis")
            // A connection the pool began before the limit changed may finish after the first termination.
            yield* terminateService(operator)
            yield* assertAllUnavailable("no connection slot")
            yield* operator`ALTER ROLE ${operator(SERVICE_ROLE)} CONNECTION LIMIT -1`.pipe(Effect.orDie)
          }).pipe(Effect.scoped)

          const back = yield* ingestStatus.pipe(
            Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (status) => status === 200, times: 50 })
          )
          assert.strictEqual(back, 200)
          yield* second.stop
        }).pipe(Effect.provide(app), Effect.scoped)
      }).pipe(Effect.scoped),
    180_000
  )
})
