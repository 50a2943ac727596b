import type { FileSystem, Path } from "effect"
import { Cause, ConfigProvider, Console, Effect, Exit, Layer, Logger, References, Runtime } from "effect"
import { type Etag, FetchHttpClient, type HttpPlatform, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar, OpenApi } from "effect/http-api"
import { OtlpSerialization, OtlpTracer } from "effect/observability"
import { EventAdmin } from "./admin/EventAdmin.ts"
import { EventStream, fireStopSignalOnStop, stopSignalLayer } from "./admin/EventStream.ts"
import { RouteAdmin } from "./admin/RouteAdmin.ts"
import { SourceAdmin } from "./admin/SourceAdmin.ts"
import { TenantAdmin } from "./admin/TenantAdmin.ts"
import { AppConfig } from "./config/AppConfig.ts"
import { PgHost } from "./host/PgHost.ts"
import { AdminHandlers } from "./http/AdminHandlers.ts"
import { EventhookApi, ServedApi } from "./http/Api.ts"
import { ContractErrors } from "./http/contractErrors.ts"
import { HealthHandlers } from "./http/HealthHandlers.ts"
import { IngestEndpoint } from "./http/IngestEndpoint.ts"
import { IngestRoute } from "./http/IngestRoute.ts"
import { MetricsListener, MetricsRoute } from "./http/MetricsRoute.ts"
import { UiRoute } from "./http/UiRoute.ts"
import { EventWriter } from "./ingest/EventWriter.ts"
import { Ingest } from "./ingest/Ingest.ts"
import { RateLimiter } from "./ingest/RateLimiter.ts"
import { Reverify } from "./ingest/Reverify.ts"
import { setMetricsEnabled } from "./metrics/metrics.ts"
import { IngestFirst } from "./processing/ingestFirst.ts"
import { Processor } from "./processing/Processor.ts"
import { QueueGauges } from "./processing/queueGauges.ts"
import { Reprocess } from "./processing/Reprocess.ts"
import { Retention } from "./processing/Retention.ts"
import { DatabaseLive } from "./store/Database.ts"
import { DatabaseHealth } from "./store/DatabaseHealth.ts"
import { EventActionRepo } from "./store/EventActionRepo.ts"
import { EventQueue } from "./store/EventQueue.ts"
import { EventReads } from "./store/EventReads.ts"
import { EventRepo } from "./store/EventRepo.ts"
import { EventStats } from "./store/EventStats.ts"
import { RouteRepo } from "./store/RouteRepo.ts"
import { SecretBox } from "./store/SecretBox.ts"
import { SourceRepo } from "./store/SourceRepo.ts"
import { TenantRepo } from "./store/TenantRepo.ts"
import { HttpSender } from "./targets/HttpSender.ts"

export { EventhookApi } from "./http/Api.ts"
export { serverLimits } from "./http/serverLimits.ts"
export { Reverify } from "./ingest/Reverify.ts"
export { Reprocess } from "./processing/Reprocess.ts"
export { Retention } from "./processing/Retention.ts"
export { HttpSender } from "./targets/HttpSender.ts"
export { PromiseResolver } from "./targets/PromiseResolver.ts"
export { TaskLauncher } from "./targets/TaskLauncher.ts"
export { TargetFailed, WorkflowLauncher } from "./targets/WorkflowLauncher.ts"

const Repositories = Layer.mergeAll(
  TenantRepo.layer,
  SourceRepo.layer,
  RouteRepo.layer,
  EventRepo.layer,
  EventQueue.layer,
  EventReads.layer,
  EventStats.layer,
  EventActionRepo.layer
).pipe(Layer.provideMerge(SecretBox.layer))

/**
 * Ingest, processing, re-verify, reprocess and retention. Needs a PgClient, AppConfig and the host's targets (the
 * `http` target's sender is Eventhook's own).
 */
export const EventhookCore = Layer.mergeAll(
  Ingest.layer.pipe(Layer.provide(EventWriter.layer)),
  Reverify.layer,
  Reprocess.layer,
  Retention.background.pipe(Layer.provideMerge(Retention.layer)),
  DatabaseHealth.layer,
  QueueGauges.pipe(Layer.provide(DatabaseHealth.layer))
).pipe(
  Layer.provideMerge(Processor.layer),
  Layer.provideMerge(Layer.mergeAll(Repositories, RateLimiter.layer, HttpSender.layer, IngestFirst.layer))
)

/** The operator services behind the admin API and the CLI (issue 6). */
export const EventhookAdmin = Layer.mergeAll(
  SourceAdmin.layer,
  RouteAdmin.layer,
  EventAdmin.layer,
  EventStream.layer
).pipe(Layer.provideMerge(TenantAdmin.layer))

/**
 * What the CLI runs against the database: the operator services, with a processor that hands changed events to
 * the running service's sweeper instead of processing them in the CLI's process.
 */
export const EventhookOperatorTools = EventhookAdmin.pipe(
  Layer.provideMerge(Layer.mergeAll(Reverify.layer, Reprocess.layer)),
  Layer.provide(Processor.handOff),
  Layer.provideMerge(Repositories)
)

/** The OpenAPI document of the whole API (ingest included), made once, on its first request. */
let openApi: HttpServerResponse.HttpServerResponse | undefined
const openApiDocument = () => {
  openApi ??= HttpServerResponse.jsonUnsafe(OpenApi.fromApi(EventhookApi))
  return openApi
}

/** The Scalar API reference the `/docs` page loads. */
export const SCALAR_VERSION = "1.43.5"

/**
 * Eventhook's HTTP routes, with a platform's own way to the ingest endpoint beside the router's (Node's:
 * nodeIngestListener.ts) sharing the one endpoint and its body budget.
 */
export const eventhookRoutesWith = (ingestListener: Layer.Layer<never, never, IngestEndpoint | AppConfig>) =>
  Layer.mergeAll(
    Layer.merge(IngestRoute, ingestListener).pipe(Layer.provide(IngestEndpoint.layer)),
    HttpApiBuilder.layer(ServedApi).pipe(Layer.provide([HealthHandlers, AdminHandlers])),
    HttpRouter.add("GET", "/openapi.json", Effect.sync(openApiDocument)),
    // The page loads Scalar from jsDelivr, pinned. The inline variant keeps a 6 MB script (twice over, with its
    // module's source) in every instance's heap for a page few open (issue 7: idle heap 54 → 41 MB).
    HttpApiScalar.layerCdn(EventhookApi, { path: "/docs", version: SCALAR_VERSION }),
    MetricsRoute,
    UiRoute,
    ContractErrors
  ).pipe(Layer.provide(EventhookAdmin), Layer.provide(EventhookCore))

/**
 * Eventhook's HTTP routes, for a host's HttpRouter: ingest, health, the admin API, `/openapi.json`, `/docs`, and
 * and the contract's JSON for every error (404, 405, 415…).
 */
export const EventhookRoutes = eventhookRoutesWith(Layer.empty)

/** What HttpApiBuilder needs of the platform besides the server. */
type HttpServerServices = HttpPlatform.HttpPlatform | Etag.Generator | FileSystem.FileSystem | Path.Path

const ListeningLine = Layer.effectDiscard(
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const config = yield* AppConfig
    const port = server.address._tag === "UnixPathAddress" ? config.port : server.address.port
    yield* Console.log(`eventhook listening on http://${config.host}:${port}`)
  })
)

/**
 * `LOG_LEVEL` and `LOG_FORMAT`; and tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans go out over OTLP/HTTP
 * (JSON; the standard OTEL_* variables name the service, headers…); without it, spans are switched off.
 */
const LogLevelLive = Layer.unwrap(
  Effect.map(AppConfig, (config) =>
    Layer.mergeAll(
      Layer.succeed(References.MinimumLogLevel, config.logLevel),
      config.tracing
        ? OtlpTracer.layerFromConfig().pipe(
            Layer.provide(OtlpSerialization.layerJson),
            Layer.provide(FetchHttpClient.layer),
            // The OpenTelemetry defaults where the environment says nothing (Effect's reader wants both set).
            Layer.provide(
              ConfigProvider.layerAdd(
                ConfigProvider.fromEnvRecord({ OTEL_TRACES_EXPORTER: "otlp", OTEL_SERVICE_NAME: "eventhook" })
              )
            )
          )
        : Layer.succeed(References.TracerEnabled, false),
      Layer.effectDiscard(Effect.sync(() => setMetricsEnabled(config.metrics))),
      config.logFormat === "json"
        ? Logger.layer([Logger.consoleJson])
        : config.logFormat === "logfmt"
          ? Logger.layer([Logger.consoleLogFmt])
          : Layer.empty
    )
  )
)

/**
 * The standalone service: HTTP server, processing, the reference host and the database (`DATABASE_URL` or
 * embedded), configured from the environment. A main passes its platform's HttpServer layer, built from the
 * configured HOST and PORT.
 */
export const eventhookServer = <A extends HttpServer.HttpServer | HttpServerServices, E, R>(
  httpServer: (listen: { readonly host: string; readonly port: number }) => Layer.Layer<A, E, R>,
  /** A platform's own way to the ingest endpoint beside the router (Node's: nodeIngestListener.ts). */
  ingestListener: Layer.Layer<never, never, IngestEndpoint | AppConfig> = Layer.empty
) =>
  // The stop signal fires before the server closes, so open event streams end at once (EventStream.ts).
  fireStopSignalOnStop.pipe(
    // The line is printed once the routes serve: until then Node's server answers 503 (what a client that waits
    // for the line must never see).
    Layer.provideMerge(
      Layer.provideMerge(
        ListeningLine,
        HttpRouter.serve(eventhookRoutesWith(ingestListener), { disableLogger: true, disableListenLog: true })
      )
    ),
    Layer.merge(MetricsListener),
    Layer.provide(PgHost),
    Layer.provideMerge(
      Layer.unwrap(Effect.map(AppConfig, (config) => httpServer({ host: config.host, port: config.port })))
    ),
    // Provided last, so it is built first: no request arrives before the database is ready (EFFECT4.md).
    Layer.provideMerge(DatabaseLive),
    Layer.provide(LogLevelLive),
    Layer.provide(stopSignalLayer),
    Layer.provide(AppConfig.layer)
  )

/** SIGTERM/SIGINT is a normal stop (CONTRACT §1: exit 0); anything else keeps the default exit codes. */
export const gracefulTeardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
