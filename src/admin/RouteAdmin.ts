import { Context, Effect, Layer, Option, Result } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { checkDestinationUrl } from "../domain/destinationRules.ts"
import type { RouteId } from "../domain/ids.ts"
import {
  type InvalidRequestResponse,
  invalidRequest,
  type NotFoundResponse,
  notFound
} from "../domain/operatorErrors.ts"
import { decodeTargetConfig } from "../domain/TargetConfig.ts"
import type { Tenant } from "../domain/Tenant.ts"
import { dryRun } from "../routing/dryRun.ts"
import { routeExpressionProblem } from "../routing/routeFilters.ts"
import { EventReads } from "../store/EventReads.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { fieldFirst, isUuid, type RouteCreate, type RouteTest, type RouteUpdate } from "./inputs.ts"
import { TenantAdmin } from "./TenantAdmin.ts"
import { keepWriteOnly } from "./targetSecrets.ts"
import { type RouteTestView, type RouteView, routeView } from "./views.ts"

type AdminError = InvalidRequestResponse | NotFoundResponse

/** Routes as operators manage them (issue 6); a target config must decode for its type before it is stored. */
export class RouteAdmin extends Context.Service<
  RouteAdmin,
  {
    /** The tenant's routes, of one source when `source` is given, in the order they run. */
    readonly list: (tenant: string, source?: string) => Effect.Effect<ReadonlyArray<RouteView>, NotFoundResponse>
    readonly create: (tenant: string, input: RouteCreate) => Effect.Effect<RouteView, AdminError>
    readonly get: (tenant: string, id: string) => Effect.Effect<RouteView, NotFoundResponse>
    readonly update: (tenant: string, id: string, input: RouteUpdate) => Effect.Effect<RouteView, AdminError>
    readonly remove: (tenant: string, id: string) => Effect.Effect<void, NotFoundResponse>
    /** A candidate route's dry run against the source's stored events (issue 21): nothing is executed. */
    readonly test: (tenant: string, input: RouteTest) => Effect.Effect<RouteTestView, AdminError>
  }
>()("eventhook/admin/RouteAdmin") {
  static readonly layer = Layer.effect(
    RouteAdmin,
    Effect.gen(function* () {
      const tenants = yield* TenantAdmin
      const sources = yield* SourceRepo
      const routes = yield* RouteRepo
      const reads = yield* EventReads
      const { destinationRules } = yield* AppConfig

      const sourceOf = Effect.fn("RouteAdmin.sourceOf")(function* (tenant: Tenant, slug: string) {
        const source = yield* sources.findBySlug(tenant.id, slug)
        if (Option.isNone(source)) return yield* notFound(`source "${slug}" not found in tenant "${tenant.slug}"`)
        return source.value
      })
      const find = Effect.fn("RouteAdmin.find")(function* (tenantSlug: string, id: string) {
        const tenant = yield* tenants.require(tenantSlug)
        const route = isUuid(id) ? yield* routes.findById(tenant.id, id as RouteId) : Option.none()
        if (Option.isNone(route)) return yield* notFound(`route "${id}" not found in tenant "${tenantSlug}"`)
        return { tenant, route: route.value }
      })
      const checkTarget = (targetType: string, targetConfig: unknown) => {
        const decoded = decodeTargetConfig(targetType, targetConfig)
        if (Result.isFailure(decoded)) return Effect.fail(invalidRequest(fieldFirst(decoded.failure, "target_config")))
        if (decoded.success.type !== "http") return Effect.void
        // Issue 17: a destination the rules refuse is refused when the route is written, as far as can be told
        // without DNS; the address is judged again when sending.
        const url = checkDestinationUrl(decoded.success.config.url, destinationRules)
        return Result.isFailure(url) ? Effect.fail(invalidRequest(`target_config.url ${url.failure}`)) : Effect.void
      }
      const checkExpressions = (route: {
        readonly filter: string | null
        readonly transform: string | null
        readonly target_type: string
        readonly target_config: unknown
      }) => {
        const problem = routeExpressionProblem(route)
        return problem === undefined ? Effect.void : Effect.fail(invalidRequest(problem))
      }
      const reload = (tenant: Tenant, id: RouteId) =>
        Effect.map(routes.findById(tenant.id, id), (route) => routeView(Option.getOrThrow(route)))

      const create = Effect.fn("RouteAdmin.create")(function* (tenantSlug: string, route: RouteCreate) {
        const tenant = yield* tenants.require(tenantSlug)
        const source = yield* sourceOf(tenant, route.source)
        yield* checkTarget(route.target_type, route.target_config)
        yield* checkExpressions({
          filter: route.filter ?? null,
          transform: route.transform ?? null,
          target_type: route.target_type,
          target_config: route.target_config
        })
        const id = yield* routes.insert({
          tenant_id: tenant.id,
          source_id: source.id,
          name: route.name ?? `${route.target_type} route`,
          priority: route.priority ?? 0,
          is_enabled: route.is_enabled ?? true,
          target_type: route.target_type,
          target_config: route.target_config,
          filter_event_types: route.filter_event_types ?? null,
          filter: route.filter ?? null,
          transform: route.transform ?? null
        })
        yield* Effect.logInfo("route created").pipe(Effect.annotateLogs({ route_id: id, source_id: source.id }))
        return yield* reload(tenant, id)
      })

      const update = Effect.fn("RouteAdmin.update")(function* (tenantSlug: string, id: string, changes: RouteUpdate) {
        const { tenant, route } = yield* find(tenantSlug, id)
        const targetType = changes.target_type ?? route.target_type
        const stored =
          changes.target_config === undefined
            ? changes
            : {
                ...changes,
                target_config: keepWriteOnly(route, { target_type: targetType, target_config: changes.target_config })
              }
        if (changes.target_type !== undefined || changes.target_config !== undefined)
          yield* checkTarget(targetType, stored.target_config ?? route.target_config)
        // Only what changes is judged: a route stored by plain SQL with a broken filter can still be disabled.
        const expressionsChange = [changes.filter, changes.transform, changes.target_type, changes.target_config]
        if (expressionsChange.some((change) => change !== undefined))
          yield* checkExpressions({
            filter: changes.filter === undefined ? route.filter : changes.filter,
            transform: changes.transform === undefined ? route.transform : changes.transform,
            target_type: targetType,
            target_config: stored.target_config ?? route.target_config
          })
        yield* routes.update(route.id, stored)
        yield* Effect.logInfo("route updated").pipe(Effect.annotateLogs({ route_id: route.id }))
        return yield* reload(tenant, route.id)
      })

      const test = Effect.fn("RouteAdmin.test")(function* (tenantSlug: string, candidate: RouteTest) {
        const tenant = yield* tenants.require(tenantSlug)
        const source = yield* sourceOf(tenant, candidate.source)
        if (candidate.target_type !== undefined)
          yield* checkTarget(candidate.target_type, candidate.target_config ?? {})
        const route = {
          filter_event_types: candidate.filter_event_types ?? null,
          filter: candidate.filter ?? null,
          transform: candidate.transform ?? null
        }
        yield* checkExpressions({
          ...route,
          target_type: candidate.target_type ?? "workflow",
          target_config: candidate.target_config ?? {}
        })
        const events = yield* reads.history(source.id, {
          since: candidate.since === undefined ? undefined : new Date(candidate.since),
          limit: candidate.limit ?? 1_000
        })
        return { source: source.slug, ...dryRun(route, events, source.slug, candidate.samples ?? 5) }
      })

      return RouteAdmin.of({
        test,
        list: Effect.fn("RouteAdmin.list")(function* (tenantSlug: string, sourceSlug?: string) {
          const tenant = yield* tenants.require(tenantSlug)
          const source = sourceSlug === undefined ? undefined : yield* sourceOf(tenant, sourceSlug)
          return (yield* routes.listForTenant(tenant.id, source?.id)).map(routeView)
        }),
        create,
        get: Effect.fn("RouteAdmin.get")(function* (tenantSlug: string, id: string) {
          return routeView((yield* find(tenantSlug, id)).route)
        }),
        update,
        remove: Effect.fn("RouteAdmin.remove")(function* (tenantSlug: string, id: string) {
          const { route } = yield* find(tenantSlug, id)
          yield* routes.remove(route.id)
          yield* Effect.logInfo("route deleted").pipe(Effect.annotateLogs({ route_id: route.id }))
        })
      })
    })
  )
}
