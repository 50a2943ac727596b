import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { RouteId, type SourceId, type TenantId } from "../domain/ids.ts"
import { EnabledRoute, RouteRecord } from "../domain/Route.ts"
import { isSecretEnvelope, sealedTargetKeyIds, targetSecretValues } from "../domain/secretFields.ts"
import { ConfigCache } from "./ConfigCache.ts"
import { SecretBox } from "./SecretBox.ts"

export interface NewRoute {
  readonly source_id: SourceId
  readonly tenant_id: TenantId
  readonly name: string
  readonly priority?: number
  readonly is_enabled?: boolean
  readonly target_type: string
  readonly target_config: unknown
  readonly filter_event_types?: ReadonlyArray<string> | null
  readonly filter?: string | null
  readonly transform?: string | null
}

/** Columns an operator changes; a key left out is left as it is. */
export interface RouteChanges {
  readonly name?: string
  readonly priority?: number
  readonly is_enabled?: boolean
  readonly target_type?: string
  readonly target_config?: unknown
  readonly filter_event_types?: ReadonlyArray<string> | null
  readonly filter?: string | null
  readonly transform?: string | null
}

const IdRow = Schema.Struct({ id: RouteId })

export interface RouteResealReport {
  readonly resealed: number
  readonly unchanged: number
  /** Routes that keep a secret sealed under an unknown key (their deliveries go out without it: they fail). */
  readonly unknownKey: ReadonlyArray<{ readonly id: RouteId; readonly keyIds: ReadonlyArray<string> }>
}

export class RouteRepo extends Context.Service<
  RouteRepo,
  {
    /** Enabled routes of a source, highest priority first; ties by `created_at`, then `id` (CONTRACT §7). */
    readonly listEnabled: (sourceId: SourceId) => Effect.Effect<ReadonlyArray<EnabledRoute>>
    /** What `listEnabled` would answer from memory now; undefined where it would ask the database. */
    readonly listEnabledInMemory: (sourceId: SourceId) => ReadonlyArray<EnabledRoute> | undefined
    readonly insert: (route: NewRoute) => Effect.Effect<RouteId>
    /** A tenant's routes (of one source when given), in the order they run. */
    readonly listForTenant: (tenantId: TenantId, sourceId?: SourceId) => Effect.Effect<ReadonlyArray<RouteRecord>>
    readonly findById: (tenantId: TenantId, id: RouteId) => Effect.Effect<Option.Option<RouteRecord>>
    readonly update: (id: RouteId, changes: RouteChanges) => Effect.Effect<void>
    readonly remove: (id: RouteId) => Effect.Effect<void>
    /**
     * Seals every route's target secrets under the current key: plaintext ones (plain SQL) and those sealed under
     * the previous key (`eventhook secrets reencrypt`).
     */
    readonly resealAll: (options?: { readonly tenantId?: TenantId }) => Effect.Effect<RouteResealReport>
  }
>()("eventhook/store/RouteRepo") {
  /** The repository, given a ConfigCache and a SecretBox. */
  static readonly make = Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const cache = yield* ConfigCache
    // An http target's header values and signing secrets are sealed on the way in and opened on the way out.
    const box = yield* SecretBox
    const opened = <R extends { readonly target_type: string; readonly target_config: unknown }>(route: R) =>
      Effect.map(
        box.openTarget(route.target_type, route.target_config),
        (config): R => ({
          ...route,
          target_config: config
        })
      )
    const openedAll = <R extends { readonly target_type: string; readonly target_config: unknown }>(
      routes: ReadonlyArray<R>
    ) => Effect.forEach(routes, opened)
    const listQuery = SqlSchema.findAll({
      Request: Schema.String,
      Result: EnabledRoute,
      execute: (sourceId) => sql`
          SELECT r.id::text AS id, r.source_id::text AS source_id, r.tenant_id::text AS tenant_id, r.name, r.priority,
                 r.is_enabled, r.target_type, r.target_config, r.filter_event_types, r.filter, r.transform,
                 r.created_at, s.slug AS source_slug
          FROM p_eventhook__route r JOIN p_eventhook__source s ON s.id = r.source_id
          WHERE r.source_id = ${sourceId} AND r.is_enabled
          ORDER BY r.priority DESC, r.created_at, r.id`
    })
    const routesKey = (sourceId: SourceId) => `routes:${sourceId}`
    const listEnabled = (sourceId: SourceId) =>
      cache.get(
        routesKey(sourceId),
        () => listQuery(sourceId).pipe(Effect.orDie, Effect.flatMap(openedAll)),
        () => true
      )
    const insert = Effect.fn("RouteRepo.insert")(function* (given: NewRoute) {
      const route = { ...given, target_config: yield* box.sealTarget(given.target_type, given.target_config) }
      const rows = yield* sql`
          INSERT INTO p_eventhook__route (source_id, tenant_id, name, priority, is_enabled, target_type, target_config,
                                          filter_event_types, filter, transform)
          VALUES (${route.source_id}, ${route.tenant_id}, ${route.name}, ${route.priority ?? 0},
                  ${route.is_enabled ?? true}, ${route.target_type}, ${sql.json(route.target_config)},
                  ${route.filter_event_types ?? null}, ${route.filter ?? null}, ${route.transform ?? null})
          RETURNING id::text AS id`.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(IdRow))), Effect.orDie)
      yield* cache.invalidate
      return rows[0]!.id
    })
    const recordColumns = sql.literal(`r.id::text AS id, r.source_id::text AS source_id, r.tenant_id::text AS tenant_id,
        r.name, r.priority, r.is_enabled, r.target_type, r.target_config, r.filter_event_types, r.filter, r.transform, r.created_at,
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
    const update = Effect.fn("RouteRepo.update")(function* (id: RouteId, given: RouteChanges) {
      const changes =
        given.target_config === undefined
          ? given
          : {
              ...given,
              target_config: yield* box.sealTarget(
                given.target_type ??
                  (yield* sql<{
                    target_type: string
                  }>`SELECT target_type FROM p_eventhook__route WHERE id = ${id}`.pipe(
                    Effect.map((rows) => rows[0]?.target_type ?? ""),
                    Effect.orDie
                  )),
                given.target_config
              )
            }
      const set = [
        ...(changes.name === undefined ? [] : [sql`name = ${changes.name}`]),
        ...(changes.priority === undefined ? [] : [sql`priority = ${changes.priority}`]),
        ...(changes.is_enabled === undefined ? [] : [sql`is_enabled = ${changes.is_enabled}`]),
        ...(changes.target_type === undefined ? [] : [sql`target_type = ${changes.target_type}`]),
        ...(changes.target_config === undefined ? [] : [sql`target_config = ${sql.json(changes.target_config)}`]),
        ...(changes.filter_event_types === undefined ? [] : [sql`filter_event_types = ${changes.filter_event_types}`]),
        ...(changes.filter === undefined ? [] : [sql`filter = ${changes.filter}`]),
        ...(changes.transform === undefined ? [] : [sql`transform = ${changes.transform}`])
      ]
      yield* sql`UPDATE p_eventhook__route SET ${sql.csv([...set, sql`updated_at = now()`])} WHERE id = ${id}`.pipe(
        Effect.orDie
      )
      yield* cache.invalidate
    })
    const needsResealing = (targetType: string, config: unknown) =>
      targetSecretValues(targetType, config).some((value) => !isSecretEnvelope(value) || value.kid !== box.currentKeyId)
    const resealAll = Effect.fn("RouteRepo.resealAll")(function* (options?: { readonly tenantId?: TenantId }) {
      const tenantId = options?.tenantId ?? null
      const rows = yield* sql<{ readonly id: string; readonly target_type: string; readonly target_config: unknown }>`
          SELECT id::text AS id, target_type, target_config FROM p_eventhook__route
          WHERE ${tenantId}::uuid IS NULL OR tenant_id = ${tenantId}::uuid ORDER BY id`.pipe(Effect.orDie)
      const report = { resealed: 0, unchanged: 0, unknownKey: [] as Array<RouteResealReport["unknownKey"][number]> }
      for (const row of rows) {
        const open = yield* box.openTarget(row.target_type, row.target_config)
        const keyIds = sealedTargetKeyIds(row.target_type, open)
        if (keyIds.length > 0) report.unknownKey.push({ id: RouteId.make(row.id), keyIds })
        else if (box.currentKeyId === null || !needsResealing(row.target_type, row.target_config)) report.unchanged++
        else {
          // Only if nobody changed the config meanwhile (a later write seals it anyway).
          const sealed = yield* box.sealTarget(row.target_type, open)
          const changed =
            yield* sql`UPDATE p_eventhook__route SET target_config = ${sql.json(sealed)}, updated_at = now()
                WHERE id = ${row.id} AND target_config = ${sql.json(row.target_config)} RETURNING id`.pipe(Effect.orDie)
          if (changed.length > 0) report.resealed++
          else report.unchanged++
        }
      }
      if (report.resealed > 0) yield* cache.invalidate
      return report satisfies RouteResealReport
    })

    return RouteRepo.of({
      listEnabled,
      listEnabledInMemory: (sourceId) => cache.peek<ReadonlyArray<EnabledRoute>>(routesKey(sourceId)),
      insert,
      resealAll,
      listForTenant: Effect.fn("RouteRepo.listForTenant")((tenantId: TenantId, sourceId?: SourceId) =>
        listForTenantQuery({ tenantId, sourceId: sourceId ?? null }).pipe(Effect.orDie, Effect.flatMap(openedAll))
      ),
      findById: Effect.fn("RouteRepo.findById")((tenantId: TenantId, id: RouteId) =>
        findByIdQuery({ tenantId, id }).pipe(
          Effect.orDie,
          Effect.flatMap(
            Option.match({ onNone: () => Effect.succeedNone, onSome: (found) => Effect.asSome(opened(found)) })
          )
        )
      ),
      update,
      remove: Effect.fn("RouteRepo.remove")((id: RouteId) =>
        sql`DELETE FROM p_eventhook__route WHERE id = ${id}`.pipe(Effect.andThen(cache.invalidate), Effect.orDie)
      )
    })
  })

  static readonly layer = Layer.effect(RouteRepo, RouteRepo.make).pipe(Layer.provide(ConfigCache.layer))
}
