import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, type Option, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import type { TenantId } from "../domain/ids.ts"
import { Tenant } from "../domain/Tenant.ts"

export class TenantRepo extends Context.Service<
  TenantRepo,
  {
    readonly insert: (tenant: { readonly slug: string; readonly name: string }) => Effect.Effect<TenantId>
    readonly findBySlug: (slug: string) => Effect.Effect<Option.Option<Tenant>>
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
        Result: Tenant,
        execute: (slug) => sql`SELECT id::text AS id, slug, name FROM tenant WHERE slug = ${slug}`
      })
      return TenantRepo.of({
        insert: Effect.fn("TenantRepo.insert")((tenant) =>
          insertQuery(tenant).pipe(
            Effect.map((row) => row.id),
            Effect.orDie
          )
        ),
        findBySlug: Effect.fn("TenantRepo.findBySlug")((slug) => findQuery(slug).pipe(Effect.orDie))
      })
    })
  )
}
