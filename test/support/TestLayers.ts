import { PgClient } from "@effect/sql-pg"
import { type Duration, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { inject } from "vitest"
import { AppConfig, type AppConfigShape } from "../../src/config/AppConfig.ts"
import { defaultDestinationRules } from "../../src/domain/destinationRules.ts"
import { Event, type NewEvent } from "../../src/domain/Event.ts"
import type { EventId, SourceId, TenantId } from "../../src/domain/ids.ts"
import { eventhookRoutesWith } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { nodeServerWithIngestListener } from "../../src/server.node.ts"
import { ConfigCache } from "../../src/store/ConfigCache.ts"
import { poolOptions } from "../../src/store/Database.ts"
import { EventActionRepo } from "../../src/store/EventActionRepo.ts"
import { EventRepo, eventColumnsOf } from "../../src/store/EventRepo.ts"
import { PromiseRepo } from "../../src/store/PromiseRepo.ts"
import { type NewRoute, RouteRepo } from "../../src/store/RouteRepo.ts"
import { SecretBox } from "../../src/store/SecretBox.ts"
import { type NewSource, SourceRepo } from "../../src/store/SourceRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"

/** The contract's defaults, pointed at the run's database (see globalSetup.ts). */
export const testConfig = (overrides: Partial<AppConfigShape> = {}): AppConfigShape => ({
  databaseUrl: Option.some(Redacted.make(inject("databaseUrl"))),
  dataDir: "./.eventhook",
  host: "127.0.0.1",
  port: 0,
  maxBodyBytes: 1_048_576,
  rateLimitPerSecond: 100,
  rateLimitBurst: 50,
  maxRetries: 3,
  retryBaseSeconds: 10,
  migrate: false,
  logLevel: "Warn",
  logFormat: "pretty",
  rejectedRetentionDays: 7,
  retentionDays: Option.none(),
  publicUrl: Option.none(),
  adminToken: Option.none(),
  secretKey: Option.none(),
  secretKeyPrevious: Option.none(),
  destinationRules: defaultDestinationRules,
  metricsPort: Option.none(),
  tracing: false,
  metricsSourceLabel: true,
  metrics: true,
  ingestFirstMaxLagSeconds: 10,
  ingestFirstQueuedAt: 24,
  commitOverflowAt: 64,
  ingestPipeline: 0,
  processAtIngest: true,
  ...overrides
})

export const TestDatabase = Layer.unwrap(
  Effect.sync(() => PgClient.layer({ url: Redacted.make(inject("databaseUrl")), maxConnections: 10, ...poolOptions }))
)

/**
 * Sources as a test (or plain SQL) writes them: secrets as given. A layer of its own, so that it is never the
 * instance a composed Eventhook builds with its SecretBox (layers are shared by identity); the config cache is
 * shared.
 */
export const PlainSourceRepo = Layer.effect(SourceRepo, SourceRepo.make).pipe(
  Layer.provide(SecretBox.plain),
  Layer.provide(ConfigCache.layer)
)

/** Routes as a test (or plain SQL) writes them: target secrets as given (see PlainSourceRepo). */
export const PlainRouteRepo = Layer.effect(RouteRepo, RouteRepo.make).pipe(
  Layer.provide(SecretBox.plain),
  Layer.provide(ConfigCache.layer)
)

const Fixtures = Layer.mergeAll(
  TenantRepo.layer,
  PlainSourceRepo,
  PlainRouteRepo,
  EventRepo.layer,
  EventActionRepo.layer,
  PromiseRepo.layer
)

/** Which way ingest requests take: the standalone Node service's listener, or the router's route (a host's). */
export type IngestWay = "node listener" | "router"

/**
 * Eventhook's routes on a real HTTP server on a random port, as the standalone Node service serves them (ingest by
 * its listener unless `ingestWay` says "router"), an HttpClient pointed at it, and fixtures.
 */
export const TestServer = (
  overrides: Partial<AppConfigShape> = {},
  database = TestDatabase,
  ingestWay: IngestWay = "node listener"
) => {
  const node = nodeServerWithIngestListener()
  return HttpRouter.serve(eventhookRoutesWith(ingestWay === "router" ? Layer.empty : node.ingestListener), {
    disableLogger: true,
    disableListenLog: true
  }).pipe(
    Layer.provide(PgHost),
    Layer.provideMerge(
      HttpServer.layerTestClient.pipe(
        Layer.provide(
          Layer.fresh(FetchHttpClient.layer).pipe(
            Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { keepalive: false }))
          )
        ),
        Layer.provideMerge(node.server({ port: 0, host: "127.0.0.1" }))
      )
    ),
    Layer.provideMerge(Fixtures),
    Layer.provideMerge(database),
    Layer.provideMerge(AppConfig.layerWith(testConfig(overrides)))
  )
}

/** A PostgreSQL that cannot be reached: nothing listens on port 1. */
export const UnreachableDatabase = PgClient.layer({
  url: Redacted.make("postgres://postgres:x@127.0.0.1:1/none"),
  connectTimeout: "1 second"
})

const unique = () => Math.random().toString(36).slice(2, 10)

/** A tenant of its own for each test, so tests never see each other's rows. */
export const freshTenant = Effect.gen(function* () {
  const tenants = yield* TenantRepo
  const slug = `t-${unique()}`
  const id = yield* tenants.insert({ slug, name: `Tenant ${slug}` })
  return { id, slug }
})

export const createSource = (tenantId: TenantId, source: Omit<NewSource, "tenant_id" | "name"> & { name?: string }) =>
  Effect.flatMap(SourceRepo, (sources) => sources.insert({ name: source.slug, ...source, tenant_id: tenantId }))

export const createRoute = (
  tenantId: TenantId,
  sourceId: SourceId,
  route: Omit<NewRoute, "tenant_id" | "source_id" | "name"> & { name?: string }
) =>
  Effect.flatMap(RouteRepo, (routes) =>
    routes.insert({ name: `route-${unique()}`, ...route, tenant_id: tenantId, source_id: sourceId })
  )

/** A tenant's events, oldest first. */
export const eventsOfTenant = (tenantId: TenantId): Effect.Effect<ReadonlyArray<Event>, never, PgClient.PgClient> =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    sql`SELECT ${eventColumnsOf(sql)} FROM p_eventhook__event WHERE tenant_id = ${tenantId} ORDER BY received_at, id`.pipe(
      Effect.flatMap(decodeEvents)
    )
  ).pipe(Effect.orDie)

const decodeEvents = Schema.decodeUnknownEffect(Schema.Array(Event))

/** Stores one event as ingest does (a batch of one): a repeat of an accepted key is stored as its duplicate. */
export const insertEvent = (event: NewEvent) =>
  Effect.flatMap(EventRepo, (events) => events.insertBatch([event])).pipe(
    Effect.flatMap(([stored]) => (stored === undefined ? Effect.die("nothing stored") : stored))
  )

/** Rows of a query, decoded by `schema` (a test's own read of the tables). */
export const selectRows = <S extends Schema.Top>(
  schema: S,
  query: (sql: PgClient.PgClient) => Effect.Effect<unknown, unknown>
) =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    query(sql).pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(schema))))
  ).pipe(Effect.orDie)

export const actionsOfEvent = (eventId: EventId | string) =>
  Effect.flatMap(EventActionRepo, (actions) => actions.listForEvent(eventId as EventId))

interface Polling {
  readonly every: Duration.Input
  readonly times: number
  /** What the test dies with when `done` never holds. */
  readonly failure: string
}

/** Runs `attempt` again (`every`, at most `times` more) until `done` holds of its result, and returns that. */
export function eventually<A, B extends A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  done: (value: A) => value is B,
  polling: Polling
): Effect.Effect<B, never, R>
export function eventually<A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  polling: Polling
): Effect.Effect<A, never, R>
export function eventually<A, E, R>(attempt: Effect.Effect<A, E, R>, done: (value: A) => boolean, polling: Polling) {
  return attempt.pipe(
    Effect.filterOrFail(done, () => new Error(polling.failure)),
    Effect.retry({ schedule: Schedule.spaced(polling.every), times: polling.times }),
    Effect.orDie
  )
}

/** Waits (bounded) until processing has settled the event, and returns its row. */
export const settledEvent = (tenantId: TenantId, eventId: EventId | string) =>
  eventually(
    eventsOfTenant(tenantId).pipe(Effect.map((rows) => rows.find((row) => row.id === eventId))),
    (row): row is Event => row !== undefined && row.status !== "pending" && row.status !== "processing",
    { every: "25 millis", times: 400, failure: `event ${eventId} did not settle` }
  )
