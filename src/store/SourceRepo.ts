import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, Predicate, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { DatabaseBusy, SlugTaken } from "../domain/errors.ts"
import { SourceId, type TenantId } from "../domain/ids.ts"
import { Source, SourceRecord } from "../domain/Source.ts"
import { isSecretEnvelope, sealedKeyIds, secretValues } from "../domain/secretFields.ts"
import { isStorableText } from "../domain/storable.ts"
import { ConfigCache } from "./ConfigCache.ts"
import { SecretBox } from "./SecretBox.ts"

export interface NewSource {
  readonly tenant_id: TenantId
  readonly name: string
  readonly slug: string
  readonly is_enabled?: boolean
  readonly verifier_config: unknown
  readonly idempotency_key_paths?: ReadonlyArray<string> | null
  readonly event_type_config?: unknown
  readonly description?: string | null
  readonly rate_limit_per_second?: number | null
  readonly rate_limit_burst?: number | null
}

/** Columns an operator changes; a key left out is left as it is. */
export interface SourceChanges {
  readonly name?: string
  readonly description?: string | null
  readonly is_enabled?: boolean
  readonly verifier_config?: unknown
  readonly idempotency_key_paths?: ReadonlyArray<string> | null
  readonly event_type_config?: unknown
  readonly rate_limit_per_second?: number | null
  readonly rate_limit_burst?: number | null
}

export interface ResealReport {
  readonly resealed: number
  readonly unchanged: number
  /** Sources that keep a secret sealed under an unknown key (they reject every request until it is replaced). */
  readonly unknownKey: ReadonlyArray<{ readonly id: SourceId; readonly keyIds: ReadonlyArray<string> }>
}

const IngestKey = Schema.Struct({ tenantSlug: Schema.String, sourceSlug: Schema.String })
const IdRow = Schema.Struct({ id: SourceId })

/** Unknown tenant and source slugs longer than this together are looked up every time, never kept. */
const MAX_KEPT_UNKNOWN_SLUGS_LENGTH = 128

/** How long an ingest request's source lookup waits for the database before it is answered 503. */
const LOOKUP_TIMEOUT_MILLIS = 3000

export class SourceRepo extends Context.Service<
  SourceRepo,
  {
    /**
     * The enabled source `sourceSlug` of tenant `tenantSlug`; none when either is unknown or it is disabled. Served
     * from memory (ConfigCache); one that must be asked for dies with `DatabaseBusy` when no connection comes in 3 s.
     */
    readonly findEnabled: (tenantSlug: string, sourceSlug: string) => Effect.Effect<Option.Option<Source>>
    /** What `findEnabled` would answer from memory now; undefined where it would ask the database. */
    readonly findEnabledInMemory: (tenantSlug: string, sourceSlug: string) => Option.Option<Source> | undefined
    readonly insert: (source: NewSource) => Effect.Effect<SourceId, SlugTaken>
    /** Any source by id, enabled or not, with its tenant's slug. */
    readonly findById: (
      id: SourceId
    ) => Effect.Effect<Option.Option<{ readonly source: Source; readonly tenantSlug: string }>>
    /** Replaces a source's verifier config (`verifier_type` follows the config's `type`). */
    readonly setVerifierConfig: (id: SourceId, config: unknown) => Effect.Effect<void>
    readonly listForTenant: (tenantId: TenantId) => Effect.Effect<ReadonlyArray<SourceRecord>>
    /** Any source of the tenant by slug, enabled or not. */
    readonly findBySlug: (tenantId: TenantId, slug: string) => Effect.Effect<Option.Option<SourceRecord>>
    readonly update: (id: SourceId, changes: SourceChanges) => Effect.Effect<void>
    readonly remove: (id: SourceId) => Effect.Effect<void>
    readonly countEvents: (id: SourceId) => Effect.Effect<number>
    /**
     * Every source's secrets sealed anew under the current key (EVENTHOOK_SECRET_KEY): plaintext ones from plain-SQL
     * inserts, and those sealed under the previous key. A source with a secret sealed under a key this instance
     * does not have is left as it is, and named.
     */
    readonly resealAll: (options?: { readonly tenantId?: TenantId }) => Effect.Effect<ResealReport>
  }
>()("eventhook/store/SourceRepo") {
  /** The repository, given a ConfigCache and a SecretBox. */
  static readonly make = Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const cache = yield* ConfigCache
    // Secrets are sealed on the way in and opened on the way out (SecretBox.plain: stored as given).
    const box = yield* SecretBox
    const opened = <S extends { readonly verifier_config: unknown }>(source: S) =>
      Effect.map(box.open(source.verifier_config), (config): S => ({ ...source, verifier_config: config }))

    const findEnabledQuery = SqlSchema.findOneOption({
      Request: IngestKey,
      Result: Source,
      execute: ({ tenantSlug, sourceSlug }) => sql`
          SELECT s.id::text AS id, s.tenant_id::text AS tenant_id, s.name, s.slug, s.is_enabled, s.verifier_type, s.verifier_config,
                 s.idempotency_key_paths, s.event_type_config, s.rate_limit_per_second, s.rate_limit_burst
          FROM p_eventhook__source s JOIN tenant t ON t.id = s.tenant_id
          WHERE t.slug = ${tenantSlug} AND s.slug = ${sourceSlug} AND s.is_enabled`
    })
    // An unknown or disabled source is kept too, so a provider that keeps posting to a deleted or disabled source
    // (or a flood of one wrong URL) costs no query per request: creating or enabling it anywhere notifies, and the
    // cache is dropped, as for any change. Only slugs of a plausible length are kept, so random long URLs cannot
    // fill memory.
    // Hot path: untraced (README "Fast path").
    // Text PostgreSQL cannot hold (a `%00` in the URL) names no row; asking would be a query error, not a miss.
    // A lookup is an ingest request's first database access: when the pool cannot give a connection in time, the
    // caller gets a 503 to retry rather than a hang (nothing has been written yet, so nothing is lost). Bounded
    // here, on a miss, so that a hit costs no timer.
    const boundedLookup = <A>(lookup: Effect.Effect<A>) =>
      lookup.pipe(
        Effect.interruptible,
        Effect.timeoutOrElse({
          duration: LOOKUP_TIMEOUT_MILLIS,
          orElse: () => Effect.die(new DatabaseBusy({ waitedMillis: LOOKUP_TIMEOUT_MILLIS }))
        })
      )
    const sourceKey = (tenantSlug: string, sourceSlug: string) => `source:${tenantSlug}/${sourceSlug}`
    // A slug no row can hold names no source (and could not be looked up).
    const storableSlugs = (tenantSlug: string, sourceSlug: string) =>
      isStorableText(tenantSlug) && isStorableText(sourceSlug)
    const findEnabled = (tenantSlug: string, sourceSlug: string) =>
      !storableSlugs(tenantSlug, sourceSlug)
        ? Effect.succeedNone
        : cache.get(
            sourceKey(tenantSlug, sourceSlug),
            // Built on a miss only: a hit (nearly every request) makes no statement.
            () =>
              findEnabledQuery({ tenantSlug, sourceSlug }).pipe(
                Effect.orDie,
                Effect.flatMap(
                  Option.match({ onNone: () => Effect.succeedNone, onSome: (found) => Effect.asSome(opened(found)) })
                ),
                boundedLookup
              ),
            (found) => Option.isSome(found) || tenantSlug.length + sourceSlug.length <= MAX_KEPT_UNKNOWN_SLUGS_LENGTH
          )

    const insert = Effect.fn("SourceRepo.insert")(function* (source: NewSource) {
      const config = yield* box.seal(source.verifier_config)
      const verifierType =
        config !== null && typeof config === "object" && "type" in config ? String(config.type) : null
      const rows = yield* sql`
          INSERT INTO p_eventhook__source (tenant_id, name, slug, is_enabled, verifier_type, verifier_config,
                                           idempotency_key_paths, event_type_config, description,
                                           rate_limit_per_second, rate_limit_burst)
          VALUES (${source.tenant_id}, ${source.name}, ${source.slug}, ${source.is_enabled ?? true}, ${verifierType},
                  ${config === null ? null : sql.json(config)}, ${source.idempotency_key_paths ?? null},
                  ${source.event_type_config === undefined || source.event_type_config === null ? null : sql.json(source.event_type_config)},
                  ${source.description ?? null}, ${source.rate_limit_per_second ?? null},
                  ${source.rate_limit_burst ?? null})
          RETURNING id::text AS id`.pipe(
        Effect.catchIf(
          (error) => Predicate.isTagged(error.reason, "UniqueViolation"),
          () => Effect.fail(new SlugTaken({ kind: "source", slug: source.slug }))
        ),
        Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(IdRow))),
        Effect.catchTag("SchemaError", Effect.die),
        Effect.catchTag("SqlError", Effect.die)
      )
      yield* cache.invalidate
      return rows[0]!.id
    })

    const findByIdQuery = SqlSchema.findOneOption({
      Request: Schema.String,
      Result: Schema.Struct({ ...Source.fields, tenant_slug: Schema.String }),
      execute: (id) => sql`
          SELECT s.id::text AS id, s.tenant_id::text AS tenant_id, s.name, s.slug, s.is_enabled, s.verifier_type,
                 s.verifier_config, s.idempotency_key_paths, s.event_type_config, s.rate_limit_per_second,
                 s.rate_limit_burst, t.slug AS tenant_slug
          FROM p_eventhook__source s JOIN tenant t ON t.id = s.tenant_id
          WHERE s.id = ${id}`
    })
    const findById = Effect.fn("SourceRepo.findById")((id: SourceId) =>
      findByIdQuery(id).pipe(
        Effect.orDie,
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.succeedNone,
            onSome: ({ tenant_slug, ...source }) =>
              Effect.map(opened(source), (open) => Option.some({ source: open, tenantSlug: tenant_slug }))
          })
        )
      )
    )

    const recordColumns = sql.literal(`s.id::text AS id, s.tenant_id::text AS tenant_id, s.name, s.slug, s.is_enabled,
        s.verifier_type, s.verifier_config, s.idempotency_key_paths, s.event_type_config, s.rate_limit_per_second,
        s.rate_limit_burst, s.description, s.created_at, s.updated_at`)
    const listQuery = SqlSchema.findAll({
      Request: Schema.String,
      Result: SourceRecord,
      execute: (tenantId) =>
        sql`SELECT ${recordColumns} FROM p_eventhook__source s WHERE s.tenant_id = ${tenantId} ORDER BY s.slug`
    })
    const findBySlugQuery = SqlSchema.findOneOption({
      Request: Schema.Struct({ tenantId: Schema.String, slug: Schema.String }),
      Result: SourceRecord,
      execute: ({ tenantId, slug }) =>
        sql`SELECT ${recordColumns} FROM p_eventhook__source s WHERE s.tenant_id = ${tenantId} AND s.slug = ${slug}`
    })
    const jsonOrNull = (value: unknown) => (value === null || value === undefined ? null : sql.json(value))

    const update = Effect.fn("SourceRepo.update")(function* (id: SourceId, given: SourceChanges) {
      const changes =
        given.verifier_config === undefined
          ? given
          : { ...given, verifier_config: yield* box.seal(given.verifier_config) }
      const set = [
        ...(changes.name === undefined ? [] : [sql`name = ${changes.name}`]),
        ...(changes.description === undefined ? [] : [sql`description = ${changes.description}`]),
        ...(changes.is_enabled === undefined ? [] : [sql`is_enabled = ${changes.is_enabled}`]),
        ...(changes.verifier_config === undefined
          ? []
          : [
              sql`verifier_config = ${jsonOrNull(changes.verifier_config)}`,
              sql`verifier_type = ${jsonOrNull(changes.verifier_config)}::jsonb ->> 'type'`
            ]),
        ...(changes.idempotency_key_paths === undefined
          ? []
          : [sql`idempotency_key_paths = ${changes.idempotency_key_paths}`]),
        ...(changes.event_type_config === undefined
          ? []
          : [sql`event_type_config = ${jsonOrNull(changes.event_type_config)}`]),
        ...(changes.rate_limit_per_second === undefined
          ? []
          : [sql`rate_limit_per_second = ${changes.rate_limit_per_second}`]),
        ...(changes.rate_limit_burst === undefined ? [] : [sql`rate_limit_burst = ${changes.rate_limit_burst}`])
      ]
      yield* sql`UPDATE p_eventhook__source SET ${sql.csv([...set, sql`updated_at = now()`])} WHERE id = ${id}`.pipe(
        Effect.orDie
      )
      yield* cache.invalidate
    })

    const needsResealing = (config: unknown) =>
      secretValues(config).some((value) => !isSecretEnvelope(value) || value.kid !== box.currentKeyId)
    const resealAll = Effect.fn("SourceRepo.resealAll")(function* (options?: { readonly tenantId?: TenantId }) {
      const tenantId = options?.tenantId ?? null
      const rows = yield* sql<{ readonly id: string; readonly verifier_config: unknown }>`
          SELECT id::text AS id, verifier_config FROM p_eventhook__source
          WHERE ${tenantId}::uuid IS NULL OR tenant_id = ${tenantId}::uuid ORDER BY id`.pipe(Effect.orDie)
      const report = { resealed: 0, unchanged: 0, unknownKey: [] as Array<ResealReport["unknownKey"][number]> }
      for (const row of rows) {
        const open = yield* box.open(row.verifier_config)
        const keyIds = sealedKeyIds(open)
        if (keyIds.length > 0) report.unknownKey.push({ id: SourceId.make(row.id), keyIds })
        else if (box.currentKeyId === null || !needsResealing(row.verifier_config)) report.unchanged++
        else {
          // Only if nobody changed the config meanwhile (a later write seals it anyway).
          const sealed = yield* box.seal(open)
          const changed =
            yield* sql`UPDATE p_eventhook__source SET verifier_config = ${sql.json(sealed)}, updated_at = now()
                WHERE id = ${row.id} AND verifier_config = ${sql.json(row.verifier_config)} RETURNING id`.pipe(
              Effect.orDie
            )
          if (changed.length > 0) report.resealed++
          else report.unchanged++
        }
      }
      if (report.resealed > 0) yield* cache.invalidate
      return report satisfies ResealReport
    })

    return SourceRepo.of({
      resealAll,
      findEnabled,
      findEnabledInMemory: (tenantSlug, sourceSlug) =>
        !storableSlugs(tenantSlug, sourceSlug)
          ? Option.none()
          : cache.peek<Option.Option<Source>>(sourceKey(tenantSlug, sourceSlug)),
      insert,
      findById,
      setVerifierConfig: (id: SourceId, config: unknown) => update(id, { verifier_config: config }),
      listForTenant: Effect.fn("SourceRepo.listForTenant")((tenantId: TenantId) =>
        listQuery(tenantId).pipe(Effect.orDie)
      ),
      findBySlug: Effect.fn("SourceRepo.findBySlug")((tenantId: TenantId, slug: string) =>
        isStorableText(slug)
          ? findBySlugQuery({ tenantId, slug }).pipe(
              Effect.orDie,
              Effect.flatMap(
                Option.match({ onNone: () => Effect.succeedNone, onSome: (found) => Effect.asSome(opened(found)) })
              )
            )
          : Effect.succeedNone
      ),
      update,
      remove: Effect.fn("SourceRepo.remove")((id: SourceId) =>
        sql`DELETE FROM p_eventhook__source WHERE id = ${id}`.pipe(Effect.andThen(cache.invalidate), Effect.orDie)
      ),
      countEvents: Effect.fn("SourceRepo.countEvents")((id: SourceId) =>
        sql<{
          readonly count: string
        }>`SELECT count(*)::text AS count FROM p_eventhook__event WHERE source_id = ${id}`.pipe(
          Effect.map((rows) => Number(rows[0]?.count ?? 0)),
          Effect.orDie
        )
      )
    })
  })

  static readonly layer = Layer.effect(SourceRepo, SourceRepo.make).pipe(Layer.provide(ConfigCache.layer))
}
