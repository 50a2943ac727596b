import { Context, Effect, Layer, Option } from "effect"
import {
  type ConflictResponse,
  conflict,
  type InvalidRequestResponse,
  type NotFoundResponse,
  notFound
} from "../domain/operatorErrors.ts"
import type { Tenant } from "../domain/Tenant.ts"
import { TenantRepo } from "../store/TenantRepo.ts"
import type { TenantCreate } from "./inputs.ts"
import { type TenantView, tenantView } from "./views.ts"

/** Tenants as operators manage them (issue 6). */
export class TenantAdmin extends Context.Service<
  TenantAdmin,
  {
    readonly create: (input: TenantCreate) => Effect.Effect<TenantView, InvalidRequestResponse | ConflictResponse>
    readonly list: Effect.Effect<ReadonlyArray<TenantView>>
    /** The tenant with this slug, or a 404 naming it. */
    readonly require: (slug: string) => Effect.Effect<Tenant, NotFoundResponse>
  }
>()("eventhook/admin/TenantAdmin") {
  static readonly layer = Layer.effect(
    TenantAdmin,
    Effect.gen(function* () {
      const tenants = yield* TenantRepo
      const create = Effect.fn("TenantAdmin.create")(function* (tenant: TenantCreate) {
        yield* tenants
          .insert({ slug: tenant.slug, name: tenant.name ?? tenant.slug })
          .pipe(Effect.catchTag("SlugTaken", () => Effect.fail(conflict(`tenant "${tenant.slug}" already exists`))))
        return tenantView(Option.getOrThrow(yield* tenants.findBySlug(tenant.slug)))
      })
      const require = Effect.fn("TenantAdmin.require")(function* (slug: string) {
        const found = yield* tenants.findBySlug(slug)
        if (Option.isNone(found)) return yield* notFound(`tenant "${slug}" not found`)
        return found.value
      })
      return TenantAdmin.of({ create, list: Effect.map(tenants.list, (rows) => rows.map(tenantView)), require })
    })
  )
}
