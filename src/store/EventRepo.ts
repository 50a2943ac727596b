import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, type Option, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import {
  Event,
  EventForProcessing,
  type EventForProcessing as EventForProcessingType,
  type EventStatus,
  type NewEvent,
  type StoredEvent
} from "../domain/Event.ts"
import type { EventId, TenantId } from "../domain/ids.ts"

const InsertedRow = Schema.Struct({ id: Schema.String, duplicate_of: Schema.NullOr(Schema.String) })

export type FinalStatus = Extract<EventStatus, "delivered" | "unrouted" | "failed">

export class EventRepo extends Context.Service<
  EventRepo,
  {
    /**
     * Stores one request in a single autocommitted statement. When a verified event repeats a key already
     * accepted for the source, the row is stored as a `duplicate` of it; the unique index decides, not a read.
     */
    readonly insert: (event: NewEvent) => Effect.Effect<StoredEvent>
    /** Moves a `pending` event to `processing`; none when another worker has it or it is not pending. */
    readonly claim: (id: EventId) => Effect.Effect<Option.Option<EventForProcessingType>>
    readonly finish: (id: EventId, status: FinalStatus, lastError: string | null) => Effect.Effect<void>
    /** A tenant's events, oldest first. */
    readonly listForTenant: (tenantId: TenantId) => Effect.Effect<ReadonlyArray<Event>>
  }
>()("eventhook/store/EventRepo") {
  static readonly layer = Layer.effect(
    EventRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const decodeInserted = Schema.decodeUnknownEffect(Schema.Array(InsertedRow))

      const columns = (event: NewEvent) => ({
        parsed:
          event.parsed_payload === null || event.parsed_payload === undefined ? null : sql.json(event.parsed_payload),
        headers: sql.json(event.headers)
      })

      const insertAccepted = (event: NewEvent) => {
        const { parsed, headers } = columns(event)
        return sql`
          INSERT INTO p_eventhook__event (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
            event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
            verified_secret_index, source_ip)
          VALUES (${event.tenant_id}, ${event.source_id}, ${event.content_type}, ${event.raw_payload}, ${parsed},
            ${headers}, ${event.event_type}, ${event.idempotency_key}, ${event.status}, ${event.max_retries},
            ${event.last_error}, ${event.verified}, ${event.verification_error}, ${event.verified_secret_index},
            ${event.source_ip}::inet)
          ON CONFLICT (source_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND NOT is_duplicate AND verified
          DO NOTHING
          RETURNING id::text AS id, NULL::text AS duplicate_of`.pipe(Effect.flatMap(decodeInserted))
      }

      const insertDuplicate = (event: NewEvent) => {
        const { parsed, headers } = columns(event)
        return sql`
          INSERT INTO p_eventhook__event (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
            event_type, idempotency_key, is_duplicate, duplicate_of, status, max_retries, verified,
            verified_secret_index, source_ip)
          SELECT ${event.tenant_id}, ${event.source_id}, ${event.content_type}, ${event.raw_payload}, ${parsed},
            ${headers}, ${event.event_type}, ${event.idempotency_key}, true, original.id, 'duplicate',
            ${event.max_retries}, true, ${event.verified_secret_index}, ${event.source_ip}::inet
          FROM (SELECT id FROM p_eventhook__event
                WHERE source_id = ${event.source_id} AND idempotency_key = ${event.idempotency_key}
                  AND NOT is_duplicate AND verified) AS original
          RETURNING id::text AS id, duplicate_of::text AS duplicate_of`.pipe(Effect.flatMap(decodeInserted))
      }

      const insert = Effect.fn("EventRepo.insert")(function* (event: NewEvent) {
        // The original may be deleted between the two statements (retention); then the repeat is accepted anew.
        for (;;) {
          const [accepted] = yield* insertAccepted(event)
          if (accepted !== undefined) return { _tag: "Stored", id: accepted.id as EventId } satisfies StoredEvent
          const [duplicate] = yield* insertDuplicate(event)
          if (duplicate !== undefined && duplicate.duplicate_of !== null) {
            return {
              _tag: "Duplicate",
              id: duplicate.id as EventId,
              duplicateOf: duplicate.duplicate_of as EventId
            } satisfies StoredEvent
          }
        }
      }, Effect.orDie)

      const claimQuery = SqlSchema.findOneOption({
        Request: Schema.String,
        Result: EventForProcessing,
        execute: (id) => sql`
          UPDATE p_eventhook__event SET status = 'processing'
          WHERE id = ${id} AND status = 'pending'
          RETURNING id::text AS id, tenant_id::text AS tenant_id, source_id::text AS source_id, parsed_payload,
                    headers, event_type`
      })
      const claim = Effect.fn("EventRepo.claim")((id: EventId) => claimQuery(id).pipe(Effect.orDie))

      const finish = Effect.fn("EventRepo.finish")((id: EventId, status: FinalStatus, lastError: string | null) =>
        sql`UPDATE p_eventhook__event SET status = ${status}, last_error = ${lastError}, processed_at = now()
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie)
      )

      const listQuery = SqlSchema.findAll({
        Request: Schema.String,
        Result: Event,
        execute: (tenantId) => sql`
          SELECT id::text AS id, tenant_id::text AS tenant_id, source_id::text AS source_id, content_type, raw_payload,
                 parsed_payload, headers, event_type, idempotency_key, is_duplicate, duplicate_of::text AS duplicate_of,
                 status, retry_count, max_retries, next_retry_at, last_error, verified, verification_error,
                 verified_secret_index, received_at,
                 processed_at, host(source_ip) AS source_ip
          FROM p_eventhook__event WHERE tenant_id = ${tenantId} ORDER BY received_at, id`
      })
      const listForTenant = Effect.fn("EventRepo.listForTenant")((tenantId: TenantId) =>
        listQuery(tenantId).pipe(Effect.orDie)
      )

      return EventRepo.of({ insert, claim, finish, listForTenant })
    })
  )
}
