import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Schema } from "effect"
import type { TenantId } from "../domain/ids.ts"
import { Counts, type TenantOverview } from "../domain/Overview.ts"

// What the dashboard's overview shows of a tenant (issue 20): per source, the last hour and day by outcome, why
// requests were rejected, which secret verified them, the backlog, and the rate over the day. Every query is bounded
// by `received_at` (or reads only waiting events), so the `(source_id, received_at)` and `(status, received_at)`
// indexes serve them.

/** 96 buckets of 15 minutes: the last day. */
const BUCKET_SECONDS = 900
const BUCKETS = 96

const CountsRow = Schema.Struct({
  source: Schema.String,
  is_enabled: Schema.Boolean,
  ...Object.fromEntries(
    ["hour", "day"].flatMap((window) => Object.keys(Counts.fields).map((name) => [`${window}_${name}`, Schema.Int]))
  ),
  backlog: Schema.Int,
  oldest_pending_seconds: Schema.NullOr(Schema.Number)
})
const KeyedCountRow = Schema.Struct({ source: Schema.String, key: Schema.String, count: Schema.Int })
const BucketRow = Schema.Struct({ source: Schema.String, bucket: Schema.Int, count: Schema.Int })
const NowRow = Schema.Struct({ now: Schema.Date })

export class EventStats extends Context.Service<
  EventStats,
  { readonly overview: (tenantId: TenantId) => Effect.Effect<TenantOverview> }
>()("eventhook/store/EventStats") {
  static readonly layer = Layer.effect(
    EventStats,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const decode = <S extends Schema.Top>(schema: S) => Schema.decodeUnknownEffect(Schema.Array(schema))
      const CONDITIONS: Record<keyof Counts, string> = {
        received: "true",
        accepted: "e.status NOT IN ('rejected', 'duplicate')",
        delivered: "e.status = 'delivered'",
        failed: "e.status = 'failed'",
        unrouted: "e.status = 'unrouted'",
        rejected: "e.status = 'rejected'",
        duplicates: "e.status = 'duplicate'"
      }
      const windowCounts = (window: string, interval: string) =>
        sql.literal(
          Object.entries(CONDITIONS)
            .map(
              ([name, condition]) =>
                `(count(e.id) FILTER (WHERE e.received_at >= now() - interval '${interval}' AND ${condition}))::int AS ${window}_${name}`
            )
            .join(",\n")
        )

      const overview = Effect.fn("EventStats.overview")(function* (tenantId: TenantId) {
        const [{ now }] = (yield* sql`SELECT now() AS now`.pipe(Effect.flatMap(decode(NowRow)))) as [{ now: Date }]
        const counts = yield* sql`
            SELECT s.slug AS source, s.is_enabled, ${windowCounts("hour", "1 hour")}, ${windowCounts("day", "1 day")},
                   coalesce(w.backlog, 0)::int AS backlog, w.oldest_pending_seconds
            FROM p_eventhook__source s
            LEFT JOIN p_eventhook__event e ON e.source_id = s.id AND e.received_at >= now() - interval '1 day'
            LEFT JOIN LATERAL (
              SELECT count(*) AS backlog,
                     extract(epoch FROM now() - min(received_at) FILTER (WHERE status = 'pending'))::float8
                       AS oldest_pending_seconds
              FROM p_eventhook__event
              WHERE source_id = s.id
                AND (status IN ('pending', 'processing') OR (status = 'failed' AND next_retry_at IS NOT NULL))
            ) w ON true
            WHERE s.tenant_id = ${tenantId}
            GROUP BY s.slug, s.is_enabled, w.backlog, w.oldest_pending_seconds
            ORDER BY s.slug`.pipe(Effect.flatMap(decode(CountsRow)))
        const keyed = (key: string, condition: string) =>
          sql`
              SELECT s.slug AS source, ${sql.literal(key)} AS key, count(*)::int AS count
              FROM p_eventhook__event e JOIN p_eventhook__source s ON s.id = e.source_id
              WHERE e.tenant_id = ${tenantId} AND e.received_at >= now() - interval '1 day' AND ${sql.literal(condition)}
              GROUP BY 1, 2`.pipe(Effect.flatMap(decode(KeyedCountRow)))
        const reasons = yield* keyed("split_part(e.verification_error, ':', 1)", "e.status = 'rejected'")
        const secretIndexes = yield* keyed("e.verified_secret_index::text", "e.verified_secret_index IS NOT NULL")
        const buckets = yield* sql`
            SELECT s.slug AS source,
                   floor(extract(epoch FROM ${now}::timestamptz - e.received_at) / ${BUCKET_SECONDS})::int AS bucket,
                   count(*)::int AS count
            FROM p_eventhook__event e JOIN p_eventhook__source s ON s.id = e.source_id
            WHERE e.tenant_id = ${tenantId} AND e.received_at > ${now}::timestamptz - interval '1 day'
            GROUP BY 1, 2`.pipe(Effect.flatMap(decode(BucketRow)))
        const byKey = (rows: ReadonlyArray<typeof KeyedCountRow.Type>, source: string) =>
          Object.fromEntries(rows.filter((row) => row.source === source).map((row) => [row.key, row.count]))
        const windowOf = (row: Record<string, unknown>, window: string): Counts =>
          Object.fromEntries(
            Object.keys(Counts.fields).map((name) => [name, row[`${window}_${name}`] as number])
          ) as unknown as Counts
        return {
          generated_at: now.toISOString(),
          bucket_seconds: BUCKET_SECONDS,
          sources: counts.map((row) => {
            const rate = Array.from({ length: BUCKETS }, () => 0)
            for (const bucket of buckets)
              if (bucket.source === row.source && bucket.bucket >= 0 && bucket.bucket < BUCKETS)
                rate[BUCKETS - 1 - bucket.bucket] = bucket.count
            return {
              source: row.source,
              is_enabled: row.is_enabled,
              hour: windowOf(row, "hour"),
              day: windowOf(row, "day"),
              rejected_by_reason: byKey(reasons, row.source),
              verified_by_secret_index: byKey(secretIndexes, row.source),
              backlog: row.backlog,
              oldest_pending_seconds: row.oldest_pending_seconds,
              rate
            }
          })
        } satisfies TenantOverview
      }, Effect.orDie)
      return EventStats.of({ overview })
    })
  )
}
