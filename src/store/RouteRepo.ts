import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import type { RouteId, SourceId, TenantId } from "../domain/ids.ts"
import { Route } from "../domain/Route.ts"

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

const IdRow = Schema.Struct({ id: Schema.String })

export class RouteRepo extends Context.Service<
  RouteRepo,
  {
    /** Enabled routes of a source, highest priority first; ties by `created_at`, then `id` (CONTRACT §7). */
    readonly listEnabled: (sourceId: SourceId) => Effect.Effect<ReadonlyArray<Route>>
    readonly insert: (route: NewRoute) => Effect.Effect<RouteId>
  }
>()("eventhook/store/RouteRepo") {
  static readonly layer = Layer.effect(
    RouteRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
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
      const listEnabled = Effect.fn("RouteRepo.listEnabled")((sourceId: SourceId) =>
        listQuery(sourceId).pipe(Effect.orDie)
      )
      const insert = Effect.fn("RouteRepo.insert")(function* (route: NewRoute) {
        const rows = yield* sql`
          INSERT INTO p_eventhook__route (source_id, tenant_id, name, priority, is_enabled, target_type, target_config,
                                          filter_event_types)
          VALUES (${route.source_id}, ${route.tenant_id}, ${route.name}, ${route.priority ?? 0},
                  ${route.is_enabled ?? true}, ${route.target_type}, ${sql.json(route.target_config)},
                  ${route.filter_event_types ?? null})
          RETURNING id::text AS id`.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(IdRow))), Effect.orDie)
        return rows[0]!.id as RouteId
      })
      return RouteRepo.of({ listEnabled, insert })
    })
  )
}
