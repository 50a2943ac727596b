// The database goes away and comes back: ingest answers 503 meanwhile (never a 4xx, never a hang), then recovers
// by itself. A PostgreSQL cluster of this test's own is stopped and restarted on the same port.

import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schedule, Scope } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { EventhookRoutes } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { runMigrations } from "../../src/store/Database.ts"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"
import { SourceRepo } from "../../src/store/SourceRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { PlainSourceRepo, testConfig } from "../support/TestLayers.ts"

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

describe("database outage", () => {
  it.live(
    "503 with Retry-After while PostgreSQL is down, /health 503, then 200 again once it is back",
    () =>
      Effect.gen(function* () {
        const dataDir = mkdtempSync(join(tmpdir(), "eventhook-outage-"))
        const port = yield* freePort
        const start = Effect.gen(function* () {
          const scope = yield* Scope.make()
          const pg = yield* Scope.provide(embeddedPostgres(dataDir, { port }), scope)
          return { scope, url: pg.url }
        })
        const first = yield* start
        const database = PgClient.layer({ url: first.url, connectTimeout: "1 second", maxConnections: 4 })
        const app = HttpRouter.serve(EventhookRoutes, { disableLogger: true, disableListenLog: true }).pipe(
          Layer.provide(PgHost),
          Layer.provideMerge(NodeHttpServer.layerTest),
          Layer.provideMerge(Layer.mergeAll(TenantRepo.layer, PlainSourceRepo)),
          Layer.provideMerge(database),
          Layer.provideMerge(AppConfig.layerWith(testConfig()))
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
          const client = yield* HttpClient.HttpClient
          const ingest = client
            .execute(
              HttpClientRequest.post("/api/tenants/acme/eventhook/in/open").pipe(
                HttpClientRequest.bodyText('{"n":1}', "application/json")
              )
            )
            .pipe(Effect.orDie)
          const health = client.get("/health").pipe(Effect.orDie)

          assert.strictEqual((yield* ingest).status, 200)
          yield* Scope.close(first.scope, Exit.void)

          const down = yield* ingest
          assert.strictEqual(down.status, 503)
          assert.strictEqual(down.headers["retry-after"], "5")
          assert.deepStrictEqual(yield* down.json.pipe(Effect.orDie), {
            error: "unavailable",
            message: "the database is unavailable, retry later"
          })
          assert.strictEqual((yield* health).status, 503)

          const second = yield* start
          const back = yield* ingest.pipe(
            Effect.repeat({
              schedule: Schedule.spaced("200 millis"),
              until: (response) => response.status === 200,
              times: 50
            })
          )
          assert.strictEqual(back.status, 200)
          assert.strictEqual((yield* health).status, 200)
          const sql = yield* PgClient.PgClient
          const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event`
          assert.strictEqual(count?.n, 2)
          yield* Scope.close(second.scope, Exit.void)
        }).pipe(Effect.provide(app), Effect.scoped)
        rmSync(dataDir, { recursive: true, force: true })
      }),
    120_000
  )
})
