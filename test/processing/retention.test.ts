import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import { Retention } from "../../src/processing/Retention.ts"
import { EventActionRepo } from "../../src/store/EventActionRepo.ts"
import { EventRepo } from "../../src/store/EventRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import {
  createSource,
  eventsOfTenant,
  freshTenant,
  insertEvent,
  PlainSourceRepo,
  TestDatabase,
  testConfig
} from "../support/TestLayers.ts"

const withConfig = (retentionDays: Option.Option<number>) =>
  Retention.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(TenantRepo.layer, PlainSourceRepo, EventRepo.layer, EventActionRepo.layer)),
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(
      Layer.unwrap(Effect.sync(() => AppConfig.layerWith(testConfig({ rejectedRetentionDays: 7, retentionDays }))))
    )
  )

const seed = Effect.gen(function* () {
  const tenant = yield* freshTenant
  const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
  const _events = yield* EventRepo
  const sql = yield* PgClient.PgClient
  const insert = (status: "rejected" | "pending", ageDays: number) =>
    insertEvent({
      tenant_id: tenant.id,
      source_id: sourceId,
      content_type: null,
      raw_payload: new TextEncoder().encode(`${status}-${ageDays}`),
      parsed_payload: null,
      headers: {},
      event_type: null,
      idempotency_key: null,
      status,
      max_retries: 3,
      last_error: null,
      verified: status !== "rejected",
      verification_error: status === "rejected" ? "signature_mismatch: x" : null,
      verified_secret_index: null,
      source_ip: null
    }).pipe(
      Effect.tap(
        (stored) =>
          sql`UPDATE p_eventhook__event SET received_at = now() - make_interval(days => ${ageDays}),
                     status = CASE WHEN status = 'pending' THEN 'delivered' ELSE status END
              WHERE id = ${stored.id}`
      ),
      Effect.orDie
    )
  yield* insert("rejected", 8)
  yield* insert("rejected", 6)
  yield* insert("pending", 40)
  yield* insert("pending", 1)
  return tenant
})

const remaining = (tenantId: Parameters<typeof eventsOfTenant>[0]) =>
  Effect.map(eventsOfTenant(tenantId), (rows) => rows.map((row) => new TextDecoder().decode(row.raw_payload)).sort())

describe("retention", () => {
  it.live("rejected events older than the rejected retention go; the rest is kept when no retention is set", () =>
    Effect.gen(function* () {
      const tenant = yield* seed
      yield* (yield* Retention).runOnce
      assert.deepStrictEqual(yield* remaining(tenant.id), ["pending-1", "pending-40", "rejected-6"])
    }).pipe(Effect.provide(withConfig(Option.none())))
  )

  it.live("EVENTHOOK_RETENTION_DAYS deletes every event older than it", () =>
    Effect.gen(function* () {
      const tenant = yield* seed
      yield* (yield* Retention).runOnce
      assert.deepStrictEqual(yield* remaining(tenant.id), ["pending-1", "rejected-6"])
    }).pipe(Effect.provide(withConfig(Option.some(30))))
  )
})
