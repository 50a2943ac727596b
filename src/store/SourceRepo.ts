import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import type { SourceId, TenantId } from "../domain/ids.ts"
import { Source } from "../domain/Source.ts"

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

const IngestKey = Schema.Struct({ tenantSlug: Schema.String, sourceSlug: Schema.String })
const IdRow = Schema.Struct({ id: Schema.String })

export class SourceRepo extends Context.Service<
  SourceRepo,
  {
    /** The enabled source `sourceSlug` of tenant `tenantSlug`; none when either is unknown or it is disabled. */
    readonly findEnabled: (tenantSlug: string, sourceSlug: string) => Effect.Effect<Option.Option<Source>>
    readonly insert: (source: NewSource) => Effect.Effect<SourceId>
    /** Any source by id, enabled or not, with its tenant's slug. */
    readonly findById: (
      id: SourceId
    ) => Effect.Effect<Option.Option<{ readonly source: Source; readonly tenantSlug: string }>>
    /** Replaces a source's verifier config (`verifier_type` follows the config's `type`). */
    readonly setVerifierConfig: (id: SourceId, config: unknown) => Effect.Effect<void>
  }
>()("eventhook/store/SourceRepo") {
  static readonly layer = Layer.effect(
    SourceRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient

      const findEnabledQuery = SqlSchema.findOneOption({
        Request: IngestKey,
        Result: Source,
        execute: ({ tenantSlug, sourceSlug }) => sql`
          SELECT s.id::text AS id, s.tenant_id::text AS tenant_id, s.name, s.slug, s.is_enabled, s.verifier_type, s.verifier_config,
                 s.idempotency_key_paths, s.event_type_config, s.rate_limit_per_second, s.rate_limit_burst
          FROM p_eventhook__source s JOIN tenant t ON t.id = s.tenant_id
          WHERE t.slug = ${tenantSlug} AND s.slug = ${sourceSlug} AND s.is_enabled`
      })
      const findEnabled = Effect.fn("SourceRepo.findEnabled")((tenantSlug: string, sourceSlug: string) =>
        findEnabledQuery({ tenantSlug, sourceSlug }).pipe(Effect.orDie)
      )

      const insert = Effect.fn("SourceRepo.insert")(function* (source: NewSource) {
        const config = source.verifier_config
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
          RETURNING id::text AS id`.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(IdRow))), Effect.orDie)
        return rows[0]!.id as SourceId
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
          Effect.map(Option.map(({ tenant_slug, ...source }) => ({ source, tenantSlug: tenant_slug }))),
          Effect.orDie
        )
      )

      const setVerifierConfig = Effect.fn("SourceRepo.setVerifierConfig")((id: SourceId, config: unknown) =>
        sql`UPDATE p_eventhook__source
            SET verifier_config = ${sql.json(config)}, verifier_type = ${sql.json(config)}::jsonb ->> 'type',
                updated_at = now()
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie)
      )

      return SourceRepo.of({ findEnabled, insert, findById, setVerifierConfig })
    })
  )
}
