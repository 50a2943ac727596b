import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, type Option, Predicate, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { SlugTaken } from "../domain/errors.ts"
import type { TenantId } from "../domain/ids.ts"
import { isStorableText } from "../domain/storable.ts"
import { Tenant, TenantRecord } from "../domain/Tenant.ts"

export class TenantRepo extends Context.Service<
  TenantRepo,
  {
    readonly insert: (tenant: { readonly slug: string; readonly name: string }) => Effect.Effect<TenantId, SlugTaken>
    readonly findBySlug: (slug: string) => Effect.Effect<Option.Option<TenantRecord>>
    readonly list: Effect.Effect<ReadonlyArray<TenantRecord>>
  }
>()("eventhook/store/TenantRepo") {
  static readonly layer = Layer.effect(
    TenantRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const insertQuery = SqlSchema.findOne({
        Request: Schema.Struct({ slug: Schema.String, name: Schema.String }),
        Result: Tenant,
        execute: ({ slug, name }) =>
          sql`INSERT INTO tenant (slug, name) VALUES (${slug}, ${name}) RETURNING id::text AS id, slug, name`
      })
      const findQuery = SqlSchema.findOneOption({
        Request: Schema.String,
        Result: TenantRecord,
        execute: (slug) => sql`SELECT id::text AS id, slug, name, created_at FROM tenant WHERE slug = ${slug}`
      })
      const listQuery = SqlSchema.findAll({
        Request: Schema.Void,
        Result: TenantRecord,
        execute: () => sql`SELECT id::text AS id, slug, name, created_at FROM tenant ORDER BY slug`
      })
      return TenantRepo.of({
        list: listQuery(undefined).pipe(Effect.orDie, Effect.withSpan("TenantRepo.list")),
        insert: Effect.fn("TenantRepo.insert")((tenant) =>
          insertQuery(tenant).pipe(
            Effect.map((row) => row.id),
            Effect.catchIf(
              (error) => error._tag === "SqlError" && Predicate.isTagged(error.reason, "UniqueViolation"),
              () => Effect.fail(new SlugTaken({ kind: "tenant", slug: tenant.slug }))
            ),
            Effect.catchTag(["SqlError", "SchemaError", "NoSuchElementError"], Effect.die)
          )
        ),
        // Text PostgreSQL cannot hold (a `%00` in the URL) names no row; asking would be a query error, not a miss.
        findBySlug: Effect.fn("TenantRepo.findBySlug")((slug) =>
          isStorableText(slug) ? findQuery(slug).pipe(Effect.orDie) : Effect.succeedNone
        )
      })
    })
  )
}
