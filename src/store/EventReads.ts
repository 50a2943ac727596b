import { PgClient } from "@effect/sql-pg"
import { Array as Arr, Context, Effect, Layer, type Option, Schema } from "effect"
import { Event, type EventSearch, EventSummary } from "../domain/Event.ts"
import type { EventId, TenantId } from "../domain/ids.ts"
import { eventColumnsOf } from "./EventRepo.ts"

/** Events as operators read them (admin API, CLI): always within one tenant. */
export class EventReads extends Context.Service<
  EventReads,
  {
    /** A tenant's events, newest first. */
    readonly search: (tenantId: TenantId, search: EventSearch) => Effect.Effect<ReadonlyArray<EventSummary>>
    /** One event of the tenant, with its payload and headers. */
    readonly findForTenant: (tenantId: TenantId, id: EventId) => Effect.Effect<Option.Option<Event>>
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
                ...(search.after === undefined
                  ? []
                  : [
                      // Compared in the database, at its microsecond precision, not as a JS Date.
                      sql`(e.received_at, e.id) < (SELECT c.received_at, c.id FROM p_eventhook__event c
                                                   WHERE c.id = ${search.after} AND c.tenant_id = ${tenantId})`
                    ])
              ])}
              ORDER BY e.received_at DESC, e.id DESC
              LIMIT ${search.limit}`.pipe(Effect.flatMap(decodeSummaries)),
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

      return EventReads.of({ search, findForTenant })
    })
  )
}
