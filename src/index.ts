// The package's public entry (`import … from "eventhook"`, issue 18): what a host application needs to embed
// Eventhook, and nothing internal. A host composes `eventhook(…)` into its own HttpRouter with its own targets:
//
//   const App = HttpRouter.serve(eventhook({ databaseUrl: "postgres://…" })).pipe(
//     Layer.provide(Layer.mergeAll(MyWorkflowLauncher, unsupportedTasks, unsupportedPromises)),
//     Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 }))
//   )
//   NodeRuntime.runMain(Layer.launch(App))

import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import type { HttpRouter } from "effect/http"
import type { EventAdmin } from "./admin/EventAdmin.ts"
import type { RouteAdmin } from "./admin/RouteAdmin.ts"
import type { SourceAdmin } from "./admin/SourceAdmin.ts"
import type { TenantAdmin } from "./admin/TenantAdmin.ts"
import { AppConfig, type AppConfigShape, appConfig } from "./config/AppConfig.ts"
import { EventhookAdmin, EventhookCore, EventhookRoutes } from "./Eventhook.ts"
import type { Reverify } from "./ingest/Reverify.ts"
import type { Reprocess } from "./processing/Reprocess.ts"
import { poolOptions, runMigrations } from "./store/Database.ts"
import { PromiseResolver } from "./targets/PromiseResolver.ts"
import { TargetFailed } from "./targets/TargetFailed.ts"
import { TaskLauncher } from "./targets/TaskLauncher.ts"

export { EventAdmin } from "./admin/EventAdmin.ts"
export { RouteAdmin } from "./admin/RouteAdmin.ts"
export { SourceAdmin } from "./admin/SourceAdmin.ts"
export { TenantAdmin } from "./admin/TenantAdmin.ts"
export type { AppConfigShape as EventhookConfig } from "./config/AppConfig.ts"
export type { TenantId } from "./domain/ids.ts"
export { EventhookRoutes, gracefulTeardown } from "./Eventhook.ts"
export { EventhookApi } from "./http/Api.ts"
export { Reverify } from "./ingest/Reverify.ts"
export { Reprocess } from "./processing/Reprocess.ts"
export { runMigrations } from "./store/Database.ts"
export { HttpSender } from "./targets/HttpSender.ts"
export type { DeliveryRequest, DeliveryResult } from "./targets/httpDelivery.ts"
export { PromiseResolver, type PromiseSettlement } from "./targets/PromiseResolver.ts"
export { TargetFailed } from "./targets/TargetFailed.ts"
export { TaskLauncher } from "./targets/TaskLauncher.ts"
export {
  type ExecutionLaunch,
  type Launched,
  type WorkflowLaunch,
  WorkflowLauncher
} from "./targets/WorkflowLauncher.ts"

export interface EventhookOptions {
  /**
   * The PostgreSQL to use, `postgres://…`. Leave it out to provide your own `PgClient` (create it with
   * `eventhookPgOptions`, so that integers above 2^53 in payloads keep their digits).
   */
  readonly databaseUrl?: string
  /** Pool size when `databaseUrl` is given (default 20). */
  readonly maxConnections?: number
  /**
   * Settings, as CONTRACT §2 names them (`maxRetries`, `retryBaseSeconds`, `adminToken`, `secretKey`,
   * `destinationRules`…); the rest keep their defaults. The environment is not read.
   */
  readonly config?: Partial<AppConfigShape>
  /** Apply Eventhook's migrations when the layer starts (default true); else run `runMigrations` yourself. */
  readonly migrate?: boolean
}

/** Options for a host's own `PgClient.layer`: Eventhook's exact-integer `jsonb` codec and application name. */
export const eventhookPgOptions = poolOptions

/** The defaults of every setting (CONTRACT §2) with `overrides` applied; no environment is read. */
export const eventhookConfig = (overrides: Partial<AppConfigShape> = {}) =>
  appConfig.parse(ConfigProvider.fromEnvRecord({})).pipe(
    Effect.map((defaults): AppConfigShape => ({ ...defaults, ...overrides })),
    Effect.orDie
  )

/**
 * Eventhook for a host's HttpRouter: the ingest endpoint, health, the admin API (when `config.adminToken` is
 * set), `/openapi.json` and `/docs`, with processing, retries, re-verify and retention running in the background,
 * and the operator services (`EventAdmin`, `SourceAdmin`, `RouteAdmin`, `TenantAdmin`, `Reprocess`,
 * `Reverify`) for the host's own code. Needs the host's `WorkflowLauncher`, `TaskLauncher` and `PromiseResolver`
 * (see `unsupportedTasks` and `unsupportedPromises` for targets a host does not offer), an `HttpRouter`, and a
 * `PgClient` unless `databaseUrl` is given.
 */
const withoutDatabase = (options: EventhookOptions) => {
  const config = Layer.effect(AppConfig, eventhookConfig(options.config))
  const migrated = Layer.effectDiscard(options.migrate === false ? Effect.void : Effect.asVoid(runMigrations))
  // The operator services are the very instances the routes use (layers are shared by identity in one build);
  // only they are handed out, not the internals they are built from.
  const operatorServices = Layer.effectContext(Effect.context<EventhookServices>()).pipe(
    Layer.provide(EventhookAdmin.pipe(Layer.provideMerge(EventhookCore)))
  )
  return Layer.merge(EventhookRoutes, operatorServices).pipe(Layer.provideMerge(migrated), Layer.provideMerge(config))
}

const withDatabase = (options: EventhookOptions & { readonly databaseUrl: string }) =>
  withoutDatabase(options).pipe(
    Layer.provideMerge(
      PgClient.layer({
        url: Redacted.make(options.databaseUrl),
        maxConnections: options.maxConnections ?? 20,
        ...poolOptions
      })
    )
  )

/**
 * Eventhook for a host's HttpRouter: the ingest endpoint, health, the admin API (when `config.adminToken` is
 * set), `/openapi.json` and `/docs`, with processing, retries, re-verify and retention running in the background,
 * and the operator services (`EventAdmin`, `SourceAdmin`, `RouteAdmin`, `TenantAdmin`, `Reprocess`,
 * `Reverify`) for the host's own code. Needs the host's `WorkflowLauncher`, `TaskLauncher` and `PromiseResolver`
 * (see `unsupportedTasks` and `unsupportedPromises` for targets a host does not offer), an `HttpRouter`, and a
 * `PgClient` unless `databaseUrl` is given.
 */
export function eventhook(options: EventhookOptions & { readonly databaseUrl: string }): ReturnType<typeof withDatabase>
export function eventhook(options?: EventhookOptions): ReturnType<typeof withoutDatabase>
export function eventhook(options: EventhookOptions = {}) {
  const { databaseUrl } = options
  return databaseUrl === undefined ? withoutDatabase(options) : withDatabase({ ...options, databaseUrl })
}

/** What `eventhook` provides besides its routes (for the host's own code). */
export type EventhookServices = EventAdmin | SourceAdmin | RouteAdmin | TenantAdmin | Reprocess | Reverify

/** For a host that offers no task target: a `task` route fails its action, for good, with a clear message. */
export const unsupportedTasks = Layer.succeed(
  TaskLauncher,
  TaskLauncher.of({
    launch: () => Effect.fail(new TargetFailed({ message: "this host offers no task target", retryable: false }))
  })
)

/** For a host that offers no promise target: a `promise` route fails its action, for good, with a clear message. */
export const unsupportedPromises = Layer.succeed(
  PromiseResolver,
  PromiseResolver.of({
    settle: () => Effect.fail(new TargetFailed({ message: "this host offers no promise target", retryable: false }))
  })
)

/** The type of a host's HttpRouter requirement, for hosts that write the layer's type out. */
export type EventhookRouter = HttpRouter.HttpRouter
