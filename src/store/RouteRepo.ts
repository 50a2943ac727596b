import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, type Option, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { RouteId, type SourceId, type TenantId } from "../domain/ids.ts"
import { Route, RouteRecord } from "../domain/Route.ts"
import { ConfigCache } from "./ConfigCache.ts"

export interface NewRoute {
  readonly source_id: SourceId
  readonly tenant_id: TenantId
  readonly name: string
  readonly priority?: number
  readonly is_enabled?: boolean
  readonly target_type: string
  readonly target_config: unknown
  readonly filter_event_types?: ReadonlyArray<string> | null
}

/** Columns an operator changes; a key left out is left as it is. */
export interface RouteChanges {
  readonly name?: string
  readonly priority?: number
  readonly is_enabled?: boolean
  readonly target_type?: string
  readonly target_config?: unknown
  readonly filter_event_types?: ReadonlyArray<string> | null
}

const IdRow = Schema.Struct({ id: RouteId })

export class RouteRepo extends Context.Service<
  RouteRepo,
  {
    /** Enabled routes of a source, highest priority first; ties by `created_at`, then `id` (CONTRACT §7). */
    readonly listEnabled: (sourceId: SourceId) => Effect.Effect<ReadonlyArray<Route>>
    readonly insert: (route: NewRoute) => Effect.Effect<RouteId>
    /** A tenant's routes (of one source when given), in the order they run. */
    readonly listForTenant: (tenantId: TenantId, sourceId?: SourceId) => Effect.Effect<ReadonlyArray<RouteRecord>>
    readonly findById: (tenantId: TenantId, id: RouteId) => Effect.Effect<Option.Option<RouteRecord>>
    readonly update: (id: RouteId, changes: RouteChanges) => Effect.Effect<void>
    readonly remove: (id: RouteId) => Effect.Effect<void>
  }
>()("eventhook/store/RouteRepo") {
  static readonly layer = Layer.effect(
    RouteRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const cache = yield* ConfigCache
      const listQuery = SqlSchema.findAll({
        Request: Schema.String,
        Result: Route,
        execute: (sourceId) => sql`
          SELECT id::text AS id, source_id::text AS source_id, tenant_id::text AS tenant_id, name, priority,
                 is_enabled, target_type, target_config, filter_event_types, created_at
          FROM p_eventhook__route
          WHERE source_id = ${sourceId} AND is_enabled
          ORDER BY priority DESC, created_at, id`
      })
      const listEnabled = (sourceId: SourceId) =>
        cache.get(`routes:${sourceId}`, listQuery(sourceId).pipe(Effect.orDie), () => true)
      const insert = Effect.fn("RouteRepo.insert")(function* (route: NewRoute) {
        const rows = yield* sql`
          INSERT INTO p_eventhook__route (source_id, tenant_id, name, priority, is_enabled, target_type, target_config,
                                          filter_event_types)
          VALUES (${route.source_id}, ${route.tenant_id}, ${route.name}, ${route.priority ?? 0},
                  ${route.is_enabled ?? true}, ${route.target_type}, ${sql.json(route.target_config)},
                  ${route.filter_event_types ?? null})
          RETURNING id::text AS id`.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(IdRow))), Effect.orDie)
        yield* cache.invalidate
        return rows[0]!.id
      })
      const recordColumns =
        sql.literal(`r.id::text AS id, r.source_id::text AS source_id, r.tenant_id::text AS tenant_id,
        r.name, r.priority, r.is_enabled, r.target_type, r.target_config, r.filter_event_types, r.created_at,
        r.updated_at, s.slug AS source_slug`)
      const listForTenantQuery = SqlSchema.findAll({
        Request: Schema.Struct({ tenantId: Schema.String, sourceId: Schema.NullOr(Schema.String) }),
        Result: RouteRecord,
        execute: ({ tenantId, sourceId }) => sql`
          SELECT ${recordColumns} FROM p_eventhook__route r JOIN p_eventhook__source s ON s.id = r.source_id
          WHERE r.tenant_id = ${tenantId} AND (${sourceId}::uuid IS NULL OR r.source_id = ${sourceId}::uuid)
          ORDER BY s.slug, r.priority DESC, r.created_at, r.id`
      })
      const findByIdQuery = SqlSchema.findOneOption({
        Request: Schema.Struct({ tenantId: Schema.String, id: Schema.String }),
        Result: RouteRecord,
        execute: ({ tenantId, id }) => sql`
          SELECT ${recordColumns} FROM p_eventhook__route r JOIN p_eventhook__source s ON s.id = r.source_id
          WHERE r.tenant_id = ${tenantId} AND r.id = ${id}`
      })
      const update = Effect.fn("RouteRepo.update")(function* (id: RouteId, changes: RouteChanges) {
        const set = [
          ...(changes.name === undefined ? [] : [sql`name = ${changes.name}`]),
          ...(changes.priority === undefined ? [] : [sql`priority = ${changes.priority}`]),
          ...(changes.is_enabled === undefined ? [] : [sql`is_enabled = ${changes.is_enabled}`]),
          ...(changes.target_type === undefined ? [] : [sql`target_type = ${changes.target_type}`]),
          ...(changes.target_config === undefined ? [] : [sql`target_config = ${sql.json(changes.target_config)}`]),
          ...(changes.filter_event_types === undefined ? [] : [sql`filter_event_types = ${changes.filter_event_types}`])
        ]
        yield* sql`UPDATE p_eventhook__route SET ${sql.csv([...set, sql`updated_at = now()`])} WHERE id = ${id}`.pipe(
          Effect.orDie
        )
        yield* cache.invalidate
      })
      return RouteRepo.of({
        listEnabled,
        insert,
        listForTenant: Effect.fn("RouteRepo.listForTenant")((tenantId: TenantId, sourceId?: SourceId) =>
          listForTenantQuery({ tenantId, sourceId: sourceId ?? null }).pipe(Effect.orDie)
        ),
        findById: Effect.fn("RouteRepo.findById")((tenantId: TenantId, id: RouteId) =>
          findByIdQuery({ tenantId, id }).pipe(Effect.orDie)
        ),
        update,
        remove: Effect.fn("RouteRepo.remove")((id: RouteId) =>
          sql`DELETE FROM p_eventhook__route WHERE id = ${id}`.pipe(Effect.andThen(cache.invalidate), Effect.orDie)
        )
      })
    })
  ).pipe(Layer.provide(ConfigCache.layer))
}
