import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option } from "effect"
import type { TenantId } from "../domain/ids.ts"

export class PromiseRepo extends Context.Service<
  PromiseRepo,
  {
    /** The promise a tenant registered under an idempotency key, if any. */
    readonly findByKey: (tenantId: TenantId, key: string) => Effect.Effect<Option.Option<string>>
    /** Settles a promise once (`resolved = false` guards it); false when it was already settled. */
    readonly settle: (
      promiseId: string,
      settlement: { readonly value: unknown } | { readonly error: string }
    ) => Effect.Effect<boolean>
    /** Registers a promise under a key (what a host does before waiting on a webhook). */
    readonly register: (tenantId: TenantId, name: string, key: string, ttlDays: number) => Effect.Effect<string>
  }
>()("eventhook/store/PromiseRepo") {
  static readonly layer = Layer.effect(
    PromiseRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const findByKey = Effect.fn("PromiseRepo.findByKey")(
        (tenantId: TenantId, key: string) =>
          sql<{ readonly id: string }>`
            SELECT promise_id::text AS id FROM idempotency_key
            WHERE tenant_id = ${tenantId} AND key = ${key} AND promise_id IS NOT NULL`.pipe(
            Effect.map((rows) => Option.fromNullishOr(rows[0]?.id))
          ),
        Effect.orDie
      )
      const settle = Effect.fn("PromiseRepo.settle")(
        (promiseId: string, settlement: { readonly value: unknown } | { readonly error: string }) => {
          const value = "value" in settlement && settlement.value !== undefined ? sql.json(settlement.value) : null
          const error = "error" in settlement ? settlement.error : null
          return sql`
            UPDATE promise SET resolved = true, value = ${value}, error = ${error}, resolved_at = now()
            WHERE id = ${promiseId} AND resolved = false
            RETURNING id`.pipe(Effect.map((rows) => rows.length === 1))
        },
        Effect.orDie
      )
      const register = Effect.fn("PromiseRepo.register")(
        (tenantId: TenantId, name: string, key: string, ttlDays: number) =>
          sql<{ readonly id: string }>`
            WITH created AS (INSERT INTO promise (tenant_id, name) VALUES (${tenantId}, ${name}) RETURNING id)
            INSERT INTO idempotency_key (tenant_id, key, promise_id, expires_at)
            SELECT ${tenantId}, ${key}, id, now() + make_interval(days => ${ttlDays}) FROM created
            RETURNING promise_id::text AS id`.pipe(Effect.map((rows) => rows[0]!.id)),
        sql.withTransaction,
        Effect.orDie
      )
      return PromiseRepo.of({ findByKey, settle, register })
    })
  )
}
