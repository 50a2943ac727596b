import { PgClient } from "@effect/sql-pg"
import { Array as Arr, Context, Effect, Layer, Option, Schema } from "effect"
import { Event, type EventSearch, EventSummary } from "../domain/Event.ts"
import { EventId, type SourceId, type TenantId } from "../domain/ids.ts"
import { textArray, uuidArray } from "./columnArrays.ts"
import { eventColumnsOf } from "./EventRepo.ts"

/** A stored event as the event stream sends it (issue 17): with its exact bytes and headers. */
export const StreamedEvent = Schema.Struct({
  id: EventId,
  source_slug: Schema.String,
  event_type: Schema.NullOr(Schema.String),
  status: Schema.String,
  is_duplicate: Schema.Boolean,
  verified: Schema.Boolean,
  received_at: Schema.Date,
  content_type: Schema.NullOr(Schema.String),
  headers: Schema.Record(Schema.String, Schema.String),
  raw_payload: Schema.Uint8Array
})
export type StreamedEvent = typeof StreamedEvent.Type

/** A stored event as a route's dry run replays it (issue 21). */
export const HistoricEvent = Schema.Struct({
  id: EventId,
  event_type: Schema.NullOr(Schema.String),
  status: Schema.String,
  received_at: Schema.Date,
  headers: Schema.Record(Schema.String, Schema.String),
  parsed_payload: Schema.Unknown
})
export type HistoricEvent = typeof HistoricEvent.Type

export interface StreamFilter {
  readonly sourceId?: SourceId
  readonly eventTypes?: ReadonlyArray<string>
}

/**
 * The events list and its payload search, newest first. The containment is wrapped in `coalesce` (the same result:
 * a NULL payload matches nothing either way) so that the planner does not take it for a very selective condition:
 * with that estimate, and with another tenant's burst filling the window (it multiplies the tenant's share of the
 * table by the window's share of all events), it read the whole table in parallel instead of walking this tenant's
 * `(tenant_id, received_at)` index newest first — 0.9 s against 5 ms for an hour of a tenant's million events
 * (README "The dashboard"). Exported so that a test can check the plan under EXPLAIN.
 */
export const searchStatement = (sql: PgClient.PgClient, tenantId: TenantId, search: EventSearch) =>
  sql`SELECT e.id::text AS id, e.source_id::text AS source_id, s.slug AS source_slug, e.status, e.event_type,
           e.idempotency_key, e.is_duplicate, e.duplicate_of::text AS duplicate_of, e.content_type,
           octet_length(e.raw_payload) AS size_bytes, e.verified, e.verification_error, e.retry_count,
           e.max_retries, e.next_retry_at, e.last_error, e.received_at, e.processed_at,
           host(e.source_ip) AS source_ip
    FROM p_eventhook__event e JOIN p_eventhook__source s ON s.id = e.source_id
    WHERE ${sql.and([
      sql`e.tenant_id = ${tenantId}`,
      ...(search.sourceId === undefined ? [] : [sql`e.source_id = ${search.sourceId}`]),
      ...(search.status === undefined ? [] : [sql`e.status = ${search.status}`]),
      ...(search.eventType === undefined ? [] : [sql`e.event_type = ${search.eventType}`]),
      ...(search.from === undefined ? [] : [sql`e.received_at >= ${search.from}`]),
      ...(search.to === undefined ? [] : [sql`e.received_at < ${search.to}`]),
      ...(search.payloadContains === undefined
        ? []
        : [sql`coalesce(e.parsed_payload @> ${sql.json(search.payloadContains)}, false)`]),
      ...(search.payloadAt === undefined
        ? []
        : [sql`e.parsed_payload #>> ${textArray(search.payloadAt.path)} = ${search.payloadAt.value}`]),
      ...(search.after === undefined
        ? []
        : [
            // Compared in the database, at its microsecond precision, not as a JS Date.
            sql`(e.received_at, e.id) < (SELECT c.received_at, c.id FROM p_eventhook__event c
                                         WHERE c.id = ${search.after} AND c.tenant_id = ${tenantId})`
          ])
    ])}
    ORDER BY e.received_at DESC, e.id DESC
    LIMIT ${search.limit}`

/** Events as operators read them (admin API, CLI): always within one tenant. */
export class EventReads extends Context.Service<
  EventReads,
  {
    /** A tenant's events, newest first. */
    readonly search: (tenantId: TenantId, search: EventSearch) => Effect.Effect<ReadonlyArray<EventSummary>>
    /** One event of the tenant, with its payload and headers. */
    readonly findForTenant: (tenantId: TenantId, id: EventId) => Effect.Effect<Option.Option<Event>>
    /**
     * The stream's page: events received at or after `from`, oldest first, but those in `skip` (already sent).
     */
    readonly streamPage: (
      tenantId: TenantId,
      filter: StreamFilter,
      page: { readonly from: Date; readonly skip: ReadonlyArray<EventId>; readonly limit: number }
    ) => Effect.Effect<ReadonlyArray<StreamedEvent>>
    /** The last `count` events, oldest first (the stream's replay). */
    readonly latest: (
      tenantId: TenantId,
      filter: StreamFilter,
      count: number
    ) => Effect.Effect<ReadonlyArray<StreamedEvent>>
    /**
     * A source's events that were routed or may be (neither rejected nor duplicates), newest first: at most
     * `limit`, received at or after `since` when given (a dry run's window).
     */
    readonly history: (
      sourceId: SourceId,
      window: { readonly since: Date | undefined; readonly limit: number }
    ) => Effect.Effect<ReadonlyArray<HistoricEvent>>
    /** When an event of the tenant was received (where a resumed stream goes on from). */
    readonly receivedAt: (tenantId: TenantId, id: EventId) => Effect.Effect<Option.Option<Date>>
    /** The database's clock: where a new stream starts. */
    readonly now: Effect.Effect<Date>
    /** Events waiting, by state, and the age of the oldest pending one (the queue gauges, issue 19). */
    readonly queueDepth: Effect.Effect<{
      readonly pending: number
      readonly processing: number
      readonly retry: number
      readonly oldestPendingSeconds: number
    }>
  }
>()("eventhook/store/EventReads") {
  static readonly layer = Layer.effect(
    EventReads,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const eventColumns = eventColumnsOf(sql)
      const decodeEvents = Schema.decodeUnknownEffect(Schema.Array(Event))
      const decodeSummaries = Schema.decodeUnknownEffect(Schema.Array(EventSummary))
      const search = Effect.fn("EventReads.search")(
        (tenantId: TenantId, search: EventSearch) =>
          searchStatement(sql, tenantId, search).pipe(Effect.flatMap(decodeSummaries)),
        Effect.orDie
      )
      const findForTenant = Effect.fn("EventReads.findForTenant")(
        (tenantId: TenantId, id: EventId) =>
          sql`SELECT ${eventColumns} FROM p_eventhook__event WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
            Effect.flatMap(decodeEvents),
            Effect.map((rows) => Arr.head(rows))
          ),
        Effect.orDie
      )

      const decodeHistory = Schema.decodeUnknownEffect(Schema.Array(HistoricEvent))
      // Newest first by received_at within one source: the (source_id, received_at) index serves it.
      const history = Effect.fn("EventReads.history")(
        (sourceId: SourceId, window: { readonly since: Date | undefined; readonly limit: number }) =>
          sql`SELECT id::text AS id, event_type, status, received_at, headers, parsed_payload
              FROM p_eventhook__event
              WHERE source_id = ${sourceId} AND status NOT IN ('rejected', 'duplicate')
                ${window.since === undefined ? sql`` : sql`AND received_at >= ${window.since}`}
              ORDER BY received_at DESC, id DESC LIMIT ${window.limit}`.pipe(Effect.flatMap(decodeHistory)),
        Effect.orDie
      )

      const decodeStreamed = Schema.decodeUnknownEffect(Schema.Array(StreamedEvent))
      const streamColumns = sql.literal(`e.id::text AS id, s.slug AS source_slug, e.event_type, e.status,
        e.is_duplicate, e.verified, e.received_at, e.content_type, e.headers, e.raw_payload`)
      const filtered = (tenantId: TenantId, filter: StreamFilter) => [
        sql`e.tenant_id = ${tenantId}`,
        ...(filter.sourceId === undefined ? [] : [sql`e.source_id = ${filter.sourceId}`]),
        ...(filter.eventTypes === undefined || filter.eventTypes.length === 0
          ? []
          : [sql`e.event_type = ANY(${textArray(filter.eventTypes)})`])
      ]
      const streamPage = Effect.fn("EventReads.streamPage")(
        (
          tenantId: TenantId,
          filter: StreamFilter,
          page: { readonly from: Date; readonly skip: ReadonlyArray<EventId>; readonly limit: number }
        ) =>
          sql`SELECT ${streamColumns} FROM p_eventhook__event e JOIN p_eventhook__source s ON s.id = e.source_id
              WHERE ${sql.and([
                ...filtered(tenantId, filter),
                sql`e.received_at >= ${page.from}`,
                ...(page.skip.length === 0 ? [] : [sql`NOT (e.id = ANY(${uuidArray(page.skip)}))`])
              ])}
              ORDER BY e.received_at, e.id LIMIT ${page.limit}`.pipe(Effect.flatMap(decodeStreamed)),
        Effect.orDie
      )
      const latest = Effect.fn("EventReads.latest")(
        (tenantId: TenantId, filter: StreamFilter, count: number) =>
          sql`SELECT * FROM (
                SELECT ${streamColumns} FROM p_eventhook__event e JOIN p_eventhook__source s ON s.id = e.source_id
                WHERE ${sql.and(filtered(tenantId, filter))}
                ORDER BY e.received_at DESC, e.id DESC LIMIT ${count}) newest
              ORDER BY received_at, id`.pipe(Effect.flatMap(decodeStreamed)),
        Effect.orDie
      )
      const receivedAt = Effect.fn("EventReads.receivedAt")(
        (tenantId: TenantId, id: EventId) =>
          sql<{ received_at: Date }>`SELECT received_at FROM p_eventhook__event
                                     WHERE tenant_id = ${tenantId} AND id = ${id}`.pipe(
            Effect.map((rows) => Option.map(Arr.head(rows), (row) => row.received_at))
          ),
        Effect.orDie
      )
      const now = sql<{ now: Date }>`SELECT now() AS now`.pipe(
        Effect.map((rows) => rows[0]!.now),
        Effect.orDie
      )

      const queueDepth = sql<{ pending: number; processing: number; retry: number; oldest: number }>`
        SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
               count(*) FILTER (WHERE status = 'processing')::int AS processing,
               count(*) FILTER (WHERE status = 'failed')::int AS retry,
               coalesce(extract(epoch FROM now() - min(received_at) FILTER (WHERE status = 'pending')), 0)::float8
                 AS oldest
        FROM p_eventhook__event
        WHERE status IN ('pending', 'processing') OR (status = 'failed' AND next_retry_at IS NOT NULL)`.pipe(
        Effect.map((rows) => {
          const row = rows[0]!
          return {
            pending: Number(row.pending),
            processing: Number(row.processing),
            retry: Number(row.retry),
            oldestPendingSeconds: Number(row.oldest)
          }
        }),
        Effect.orDie
      )

      return EventReads.of({ search, findForTenant, history, streamPage, latest, receivedAt, now, queueDepth })
    })
  )
}
