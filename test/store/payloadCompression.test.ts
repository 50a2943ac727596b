import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { EventRepo } from "../../src/store/EventRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import {
  createSource,
  freshTenant,
  insertEvent,
  PlainSourceRepo,
  selectRows,
  TestDatabase
} from "../support/TestLayers.ts"

// Migration 0010: an event's payload columns are compressed with lz4 where the server has it (issue 22). Debian's
// PostgreSQL (CI's second run) has it; the embedded binaries are built without it, so there pglz stays.

const Layers = Layer.mergeAll(TenantRepo.layer, PlainSourceRepo, EventRepo.layer).pipe(Layer.provideMerge(TestDatabase))

describe("payload compression", () => {
  it.effect("a webhook large enough to be compressed is stored with lz4, and read back byte for byte", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [server] = yield* sql<{ readonly lz4: boolean }>`
        SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`
      const expected = server?.lz4 === true ? "lz4" : "pglz"
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
      const payload = {
        action: "opened",
        items: Array.from({ length: 80 }, (_, n) => ({ n, label: `item number ${n}`, done: n % 2 === 0 }))
      }
      const body = new TextEncoder().encode(JSON.stringify(payload))
      assert.isAbove(body.byteLength, 3000)
      const stored = yield* insertEvent({
        tenant_id: tenant.id,
        source_id: sourceId,
        content_type: "application/json",
        raw_payload: body,
        parsed_payload: payload,
        headers: { "content-type": "application/json", "user-agent": "x".repeat(600) },
        event_type: "opened",
        idempotency_key: null,
        status: "pending",
        max_retries: 3,
        last_error: null,
        verified: true,
        verification_error: null,
        verified_secret_index: null,
        source_ip: null
      })
      const [row] = yield* selectRows(
        Schema.Struct({
          raw: Schema.String,
          parsed: Schema.String,
          raw_compression: Schema.NullOr(Schema.String),
          parsed_compression: Schema.NullOr(Schema.String),
          headers_compression: Schema.NullOr(Schema.String)
        }),
        (sql) => sql`
          SELECT encode(raw_payload, 'base64') AS raw, parsed_payload::text AS parsed,
            pg_column_compression(raw_payload) AS raw_compression,
            pg_column_compression(parsed_payload) AS parsed_compression,
            pg_column_compression(headers) AS headers_compression
          FROM p_eventhook__event WHERE id = ${stored.id}`
      )
      assert.strictEqual(row!.raw_compression, expected)
      assert.strictEqual(row!.parsed_compression, expected)
      assert.strictEqual(row!.headers_compression, expected)
      assert.deepStrictEqual(new Uint8Array(Buffer.from(row!.raw, "base64")), body)
      assert.deepStrictEqual(JSON.parse(row!.parsed), payload)
    }).pipe(Effect.provide(Layers))
  )
})
