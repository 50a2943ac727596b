import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer, Predicate, Schema } from "effect"
import { Event, type Interpreted, type NewEvent, type StoredEvent } from "../domain/Event.ts"
import { EventId, newRowId, type SourceId, type TenantId } from "../domain/ids.ts"
import { boolArray, byteaArray, float8Array, int4Array, jsonbArray, textArray, uuidArray } from "./columnArrays.ts"
import { IDEMPOTENCY_KEY_TTL_DAYS } from "./ExecutionRepo.ts"
import { causeIsDatabaseUnavailable } from "./unavailable.ts"
import { runUncached, type StatementRunner } from "./uncached.ts"

const InsertedRow = Schema.Struct({ id: EventId, duplicate_of: Schema.NullOr(EventId) })
const EventIdRows = Schema.Array(Schema.Struct({ id: EventId }))
const decodeEventIdRows = Schema.decodeUnknownEffect(EventIdRows)

export type RejectedSelection =
  /** Only the given tenant's, when `tenantId` is set (the admin surfaces). */
  | { readonly _tag: "ByIds"; readonly eventIds: ReadonlyArray<EventId>; readonly tenantId?: TenantId }
  | {
      readonly _tag: "BySource"
      readonly sourceId: SourceId
      readonly from: Date
      readonly to: Date
      readonly limit: number
    }

export type ReprocessSelection =
  | { readonly _tag: "ByIds"; readonly eventIds: ReadonlyArray<EventId> }
  | {
      readonly _tag: "ByFilter"
      readonly sourceId?: SourceId
      readonly status?: "failed" | "unrouted"
      readonly eventType?: string
      readonly from?: Date
      readonly to?: Date
      /** Required: a filter never resets an unbounded number of events. */
      readonly limit: number
    }

/** Every column of an event row, as `Event` decodes it. */
export const eventColumnsOf = (sql: PgClient.PgClient) =>
  sql.literal(`id::text AS id, tenant_id::text AS tenant_id, source_id::text AS source_id,
  content_type, raw_payload, parsed_payload, headers, event_type, idempotency_key, is_duplicate,
  duplicate_of::text AS duplicate_of, status, retry_count, max_retries, next_retry_at, last_error, verified,
  verification_error, verified_secret_index, received_at, processed_at, host(source_ip) AS source_ip`)

export class EventRepo extends Context.Service<
  EventRepo,
  {
    /**
     * Stores many requests with one statement (group commit): a multi-row INSERT, in one round trip and
     * atomically, with no transaction around it. A row the unique key turned away (a repeat) is then stored as a
     * duplicate by a statement of its own, and may fail alone. The effect fails when the INSERT does (none
     * stored); otherwise each request has its own outcome, in input order. The INSERT is sent by `via` (by default
     * on the client's pool; ingest's writer pipelines it on a connection of its own).
     */
    readonly insertBatch: (
      events: ReadonlyArray<NewEvent>,
      via?: StatementRunner
    ) => Effect.Effect<ReadonlyArray<Exit.Exit<StoredEvent>>>
    /** `rejected` events chosen by id, or by source and `received_at` in [from, to), oldest first. */
    readonly listRejected: (selection: RejectedSelection) => Effect.Effect<ReadonlyArray<Event>>
    /**
     * A rejected event that now verifies becomes `pending`, or a `duplicate` when its key was accepted meanwhile
     * (the unique index decides). Nothing happens to an event that is no longer `rejected`.
     */
    readonly promote: (
      id: EventId,
      accepted: { readonly interpreted: Interpreted; readonly secretIndex: number | null }
    ) => Effect.Effect<"pending" | "duplicate" | "unchanged">
    /** A rejected event that now verifies but whose body does not parse becomes `failed`. */
    readonly failVerified: (id: EventId, lastError: string, secretIndex: number | null) => Effect.Effect<void>
    readonly setVerificationError: (id: EventId, verificationError: string) => Effect.Effect<void>
    /** Deletes up to `batch` events received more than `olderThanDays` ago (only `rejected` ones if asked). */
    readonly deleteOlderThan: (options: {
      readonly olderThanDays: number
      readonly onlyRejected: boolean
      readonly batch: number
    }) => Effect.Effect<number>
    /** Resets a tenant's `failed`/`unrouted` events to `pending`, with a fresh retry budget. */
    readonly resetForReprocess: (
      tenantId: TenantId,
      selection: ReprocessSelection
    ) => Effect.Effect<ReadonlyArray<EventId>>
    /** How many events `resetForReprocess` would reset now (the dashboard's preview); nothing changes. */
    readonly countForReprocess: (tenantId: TenantId, selection: ReprocessSelection) => Effect.Effect<number>
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

      const leaseColumns = (event: NewEvent) =>
        event.lease == null
          ? sql`NULL::text, NULL::timestamptz`
          : sql`${event.lease.holder}::text, now() + make_interval(secs => ${event.lease.seconds})`

      const insertAccepted = (event: NewEvent) => {
        const { parsed, headers } = columns(event)
        return runUncached(
          sql,
          sql`
            INSERT INTO p_eventhook__event (id, tenant_id, source_id, content_type, raw_payload, parsed_payload,
              headers, event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
              verified_secret_index, source_ip, locked_by, locked_until, trace_parent)
            VALUES (${newRowId()}, ${event.tenant_id}, ${event.source_id}, ${event.content_type}, ${event.raw_payload},
              ${parsed}, ${headers}, ${event.event_type}, ${event.idempotency_key}, ${event.status},
              ${event.max_retries}, ${event.last_error}, ${event.verified}, ${event.verification_error},
              ${event.verified_secret_index}, ${event.source_ip}::inet, ${leaseColumns(event)},
              ${event.trace_parent ?? null})
            ON CONFLICT (source_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND NOT is_duplicate AND verified
            DO NOTHING
            RETURNING id::text AS id, NULL::text AS duplicate_of`
        ).pipe(Effect.flatMap(decodeInserted))
      }

      // Repeats of accepted events, each with the id chosen for it, stored as duplicates of their originals by one
      // statement. A repeat whose original is gone (deleted by retention in between) gets no row; its id is absent.
      const insertDuplicates = (repeats: ReadonlyArray<{ readonly id: EventId; readonly event: NewEvent }>) => {
        const column = <A>(pick: (event: NewEvent) => A) => repeats.map((repeat) => pick(repeat.event))
        return runUncached(
          sql,
          sql`
            INSERT INTO p_eventhook__event (id, tenant_id, source_id, content_type, raw_payload, parsed_payload,
              headers, event_type, idempotency_key, is_duplicate, duplicate_of, status, max_retries, verified,
              verified_secret_index, source_ip)
            SELECT v.id, v.tenant_id, v.source_id, v.content_type, v.raw_payload, v.parsed_payload, v.headers,
              v.event_type, v.idempotency_key, true, original.id, 'duplicate', v.max_retries, true,
              v.verified_secret_index, v.source_ip::inet
            FROM unnest(${uuidArray(repeats.map((repeat) => repeat.id))}, ${uuidArray(column((e) => e.tenant_id))},
              ${uuidArray(column((e) => e.source_id))}, ${textArray(column((e) => e.content_type))},
              ${byteaArray(column((e) => e.raw_payload))}, ${jsonbArray(column((e) => e.parsed_payload))},
              ${jsonbArray(column((e) => e.headers))}, ${textArray(column((e) => e.event_type))},
              ${textArray(column((e) => e.idempotency_key))}, ${int4Array(column((e) => e.max_retries))},
              ${int4Array(column((e) => e.verified_secret_index))}, ${textArray(column((e) => e.source_ip))})
              AS v (id, tenant_id, source_id, content_type, raw_payload, parsed_payload, headers, event_type,
                idempotency_key, max_retries, verified_secret_index, source_ip)
            JOIN p_eventhook__event original
              ON original.source_id = v.source_id AND original.idempotency_key = v.idempotency_key
                AND NOT original.is_duplicate AND original.verified
            RETURNING id::text AS id, duplicate_of::text AS duplicate_of`
        ).pipe(
          Effect.flatMap(decodeInserted),
          Effect.map(
            (rows) =>
              new Map(rows.flatMap((row) => (row.duplicate_of === null ? [] : [[row.id, row.duplicate_of] as const])))
          )
        )
      }

      // A request on its own (a repeat turned away by a batch): stored as accepted, or as the duplicate it is. The
      // original may be deleted between the two statements (retention); then the repeat is accepted anew.
      const insert = Effect.fnUntraced(function* (event: NewEvent) {
        for (;;) {
          const [accepted] = yield* insertAccepted(event)
          if (accepted !== undefined) return { _tag: "Stored", id: accepted.id, processed: false } satisfies StoredEvent
          const id = EventId.make(newRowId())
          const original = (yield* insertDuplicates([{ id, event }])).get(id)
          if (original !== undefined) return { _tag: "Duplicate", id, duplicateOf: original } satisfies StoredEvent
        }
      }, Effect.orDie)

      /** A batch's rows, read back from one typed array per column (columnArrays.ts). */
      const batchRows = (batch: ReadonlyArray<NewEvent>, ids: ReadonlyArray<EventId>) => sql`
        unnest(${uuidArray(ids)}, ${uuidArray(batch.map((e) => e.tenant_id))},
          ${uuidArray(batch.map((e) => e.source_id))}, ${textArray(batch.map((e) => e.content_type))},
          ${byteaArray(batch.map((e) => e.raw_payload))},
          ${jsonbArray(batch.map((e) => (e.parsed_is_body === true ? null : e.parsed_payload)))},
          ${boolArray(batch.map((e) => e.parsed_is_body === true))},
          ${jsonbArray(batch.map((e) => e.headers))}, ${textArray(batch.map((e) => e.event_type))},
          ${textArray(batch.map((e) => e.idempotency_key))}, ${textArray(batch.map((e) => e.processed?.status ?? e.status))},
          ${int4Array(batch.map((e) => e.max_retries))}, ${textArray(batch.map((e) => e.last_error))},
          ${boolArray(batch.map((e) => e.verified))}, ${textArray(batch.map((e) => e.verification_error))},
          ${int4Array(batch.map((e) => e.verified_secret_index))}, ${textArray(batch.map((e) => e.source_ip))},
          ${textArray(batch.map((e) => (e.processed == null ? e.lease?.holder : null)))},
          ${float8Array(batch.map((e) => (e.processed == null ? e.lease?.seconds : null)))},
          ${textArray(batch.map((e) => e.trace_parent))}, ${boolArray(batch.map((e) => e.processed != null))})
          AS v (id, tenant_id, source_id, content_type, raw_payload, parsed_payload, parsed_is_body, headers,
            event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
            verified_secret_index, source_ip, locked_by, lease_seconds, trace_parent, processed)`

      const insertRows = (rows: ReturnType<typeof batchRows>) => sql`
        INSERT INTO p_eventhook__event (id, tenant_id, source_id, content_type, raw_payload, parsed_payload,
          headers, event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
          verified_secret_index, source_ip, locked_by, locked_until, trace_parent, processed_at)
        SELECT id, tenant_id, source_id, content_type, raw_payload,
          CASE WHEN parsed_is_body THEN convert_from(raw_payload, 'UTF8')::jsonb ELSE parsed_payload END, headers,
          event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
          verified_secret_index, source_ip::inet, locked_by, now() + make_interval(secs => lease_seconds), trace_parent,
          CASE WHEN processed THEN now() END
        FROM ${rows}
        ON CONFLICT (source_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND NOT is_duplicate AND verified
        DO NOTHING`

      // Events processed at ingest (src/processing/processAtIngest.ts): their launches are written by the same
      // statement, for the rows it inserted (a repeat turned away by the unique index launches nothing), as the
      // reference host writes them (ExecutionRepo), each with its action. A data-modifying CTE runs whether or not
      // anything reads it; foreign keys are checked at the end of the statement, when every row exists. Each launch
      // (its execution and its action) is a microsecond after the one before it, so an event's executions and actions
      // list in the order of its tiers, as when processing launches one tier after the other.
      const insertProcessed = (batch: ReadonlyArray<NewEvent>, ids: ReadonlyArray<EventId>) => {
        const launches = batch.flatMap((event, index) =>
          (event.processed?.launches ?? []).map((launch, position) => ({ event, id: ids[index]!, launch, position }))
        )
        const column = <A>(pick: (entry: (typeof launches)[number]) => A) => launches.map(pick)
        return sql`
          WITH inserted AS (${insertRows(batchRows(batch, ids))} RETURNING id, parsed_payload),
          launched AS (
            SELECT l.*, inserted.parsed_payload
            FROM unnest(${uuidArray(column((l) => l.id))}, ${uuidArray(column((l) => l.launch.route_id))},
              ${textArray(column((l) => l.launch.target_type))}, ${uuidArray(column((l) => l.launch.execution_id))},
              ${uuidArray(column((l) => l.event.tenant_id))}, ${textArray(column((l) => l.launch.kind))},
              ${textArray(column((l) => l.launch.queue))},
              ${jsonbArray(column((l) => l.launch.transformed?.value))},
              ${boolArray(column((l) => l.launch.transformed !== null))},
              ${textArray(column((l) => l.launch.idempotency_key))}, ${int4Array(column((l) => l.position))},
              ${uuidArray(column(() => newRowId()))})
              AS l (event_id, route_id, target_type, execution_id, tenant_id, kind, queue, input, transformed, key,
                position, action_id)
            JOIN inserted ON inserted.id = l.event_id
          ),
          workflows AS (
            INSERT INTO workflow_execution (id, tenant_id, kind, queue, status, input, created_at)
            SELECT execution_id, tenant_id, kind, queue, 'PENDING',
              CASE WHEN transformed THEN input ELSE parsed_payload END, now() + make_interval(secs => position / 1e6)
            FROM launched WHERE target_type = 'workflow'
          ),
          tasks AS (
            INSERT INTO task_execution (id, tenant_id, kind, queue, status, input, created_at)
            SELECT execution_id, tenant_id, kind, queue, 'PENDING',
              CASE WHEN transformed THEN input ELSE parsed_payload END, now() + make_interval(secs => position / 1e6)
            FROM launched WHERE target_type = 'task'
          ),
          keys AS (
            INSERT INTO idempotency_key (tenant_id, key, expires_at, workflow_execution_id, task_execution_id)
            SELECT tenant_id, key, now() + make_interval(days => ${IDEMPOTENCY_KEY_TTL_DAYS}),
              CASE WHEN target_type = 'workflow' THEN execution_id END,
              CASE WHEN target_type = 'task' THEN execution_id END
            FROM launched
          ),
          actions AS (
            INSERT INTO p_eventhook__event_action (id, event_id, route_id, target_type, status, workflow_execution_id,
              task_execution_id, started_at, completed_at)
            SELECT action_id, event_id, route_id, target_type, 'success',
              CASE WHEN target_type = 'workflow' THEN execution_id::text END,
              CASE WHEN target_type = 'task' THEN execution_id::text END,
              now() + make_interval(secs => position / 1e6), now() + make_interval(secs => position / 1e6)
            FROM launched
          )
          SELECT id::text AS id FROM inserted`
      }

      // Hot path: untraced (README "Fast path").
      const pooled: StatementRunner = (statement) => runUncached(sql, statement)
      const insertBatch = Effect.fnUntraced(function* (batch: ReadonlyArray<NewEvent>, via: StatementRunner = pooled) {
        // Ids are chosen here (or by ingest, for an event processed at ingest), so each request knows its row without
        // reading the batch back, and the rows the unique index turned away are known by id, not by position.
        const ids = batch.map((event) => event.id ?? EventId.make(newRowId()))
        const storePlain = (events: ReadonlyArray<NewEvent>) =>
          via(sql`${insertRows(batchRows(events, ids))} RETURNING id::text AS id`).pipe(
            Effect.flatMap(decodeEventIdRows)
          )
        // A launch the statement cannot write (a host's trigger refuses it, say) must not cost the events
        // themselves: they are stored without it, to be processed after the response like any other. A database
        // that cannot be reached fails the batch as it would have.
        const { inserted, processed } = batch.some((event) => event.processed != null)
          ? yield* via(insertProcessed(batch, ids)).pipe(
              Effect.flatMap(decodeEventIdRows),
              Effect.map((rows) => ({ inserted: rows, processed: true })),
              Effect.catchCause((cause) =>
                causeIsDatabaseUnavailable(cause)
                  ? Effect.failCause(cause)
                  : Effect.logWarning(
                      "events could not be processed at ingest; stored to be processed after",
                      cause
                    ).pipe(
                      Effect.andThen(storePlain(batch.map((event) => ({ ...event, processed: null })))),
                      Effect.map((rows) => ({ inserted: rows, processed: false }))
                    )
              )
            )
          : { inserted: yield* storePlain(batch), processed: false }
        const accepted = new Set(inserted.map((row) => row.id))
        // The rows the unique index turned away repeat accepted events: they are stored as duplicates by one more
        // statement for all of them, not two statements each (a provider's retry storm is all repeats). Its failure
        // fails only the repeats; the accepted rows are committed and answered.
        const repeats = batch.flatMap((event, index) => (accepted.has(ids[index]!) ? [] : [{ id: ids[index]!, event }]))
        const originals =
          repeats.length === 0
            ? Exit.succeed(new Map<EventId, EventId>())
            : yield* Effect.exit(Effect.orDie(insertDuplicates(repeats)))
        const results: Array<Exit.Exit<StoredEvent>> = []
        for (const [index, event] of batch.entries()) {
          const id = ids[index]!
          if (accepted.has(id))
            results.push(Exit.succeed({ _tag: "Stored", id, processed: processed && event.processed != null }))
          else if (Exit.isFailure(originals)) results.push(Exit.failCause(originals.cause))
          else {
            const original = originals.value.get(id)
            results.push(
              original !== undefined
                ? Exit.succeed({ _tag: "Duplicate", id, duplicateOf: original })
                : // Its original was deleted in between (retention): on its own, accepted anew or a duplicate.
                  yield* Effect.exit(insert(event))
            )
          }
        }
        return results
      }, Effect.orDie)

      // The statements that find events to claim, renew or finish run `unprepared`, planned for their values each
      // time. A prepared statement's generic plan is made once per connection, early, while the event table is still
      // small, and kept until an ANALYZE: a finish planned that way read the whole table on every batch (36 M rows in
      // one bench run). Planning every statement so (`plan_cache_mode`) cost PostgreSQL 45 % more CPU per event.

      const eventColumns = eventColumnsOf(sql)
      const decodeEvents = Schema.decodeUnknownEffect(Schema.Array(Event))
      const listRejected = Effect.fn("EventRepo.listRejected")((selection: RejectedSelection) =>
        (selection._tag === "ByIds"
          ? sql`SELECT ${eventColumns} FROM p_eventhook__event
                WHERE id::text IN ${sql.in(selection.eventIds.length === 0 ? [""] : selection.eventIds)}
                  AND status = 'rejected'
                  AND (${selection.tenantId ?? null}::uuid IS NULL OR tenant_id = ${selection.tenantId ?? null}::uuid)
                ORDER BY received_at, id`
          : sql`SELECT ${eventColumns} FROM p_eventhook__event
                WHERE source_id = ${selection.sourceId} AND status = 'rejected'
                  AND received_at >= ${selection.from} AND received_at < ${selection.to}
                ORDER BY received_at, id LIMIT ${selection.limit}`
        ).pipe(Effect.flatMap(decodeEvents), Effect.orDie)
      )

      const promote = Effect.fn("EventRepo.promote")(function* (
        id: EventId,
        accepted: { readonly interpreted: Interpreted; readonly secretIndex: number | null }
      ) {
        const { parsed_payload, event_type, idempotency_key } = accepted.interpreted
        const parsed = parsed_payload === null || parsed_payload === undefined ? null : sql.json(parsed_payload)
        const asPending = sql`
          UPDATE p_eventhook__event
          SET status = 'pending', verified = true, verification_error = NULL,
              verified_secret_index = ${accepted.secretIndex}, parsed_payload = ${parsed}, event_type = ${event_type},
              idempotency_key = ${idempotency_key}
          WHERE id = ${id} AND status = 'rejected'
          RETURNING id::text AS id`
        const asDuplicate = sql`
          UPDATE p_eventhook__event AS e
          SET status = 'duplicate', is_duplicate = true, verified = true, verification_error = NULL,
              verified_secret_index = ${accepted.secretIndex}, parsed_payload = ${parsed}, event_type = ${event_type},
              idempotency_key = ${idempotency_key},
              duplicate_of = (SELECT o.id FROM p_eventhook__event o
                              WHERE o.source_id = e.source_id AND o.idempotency_key = ${idempotency_key}
                                AND NOT o.is_duplicate AND o.verified)
          WHERE e.id = ${id} AND e.status = 'rejected'
          RETURNING e.id::text AS id`
        const promoted = yield* asPending.pipe(
          Effect.map((rows) => (rows.length === 1 ? ("pending" as const) : ("unchanged" as const))),
          Effect.catchIf(
            (error) => Predicate.isTagged(error.reason, "UniqueViolation"),
            () => asDuplicate.pipe(Effect.as("duplicate" as const))
          )
        )
        return promoted
      }, Effect.orDie)

      const failVerified = Effect.fn("EventRepo.failVerified")(
        (id: EventId, lastError: string, secretIndex: number | null) =>
          sql`UPDATE p_eventhook__event
              SET status = 'failed', verified = true, verification_error = NULL, last_error = ${lastError},
                  verified_secret_index = ${secretIndex}
              WHERE id = ${id} AND status = 'rejected'`.pipe(Effect.asVoid, Effect.orDie)
      )

      const setVerificationError = Effect.fn("EventRepo.setVerificationError")(
        (id: EventId, verificationError: string) =>
          sql`UPDATE p_eventhook__event SET verification_error = ${verificationError}
              WHERE id = ${id} AND status = 'rejected'`.pipe(Effect.asVoid, Effect.orDie)
      )

      /** The events a reprocess selection names, oldest first (`lock`: for the reset itself). */
      const reprocessCandidates = (tenantId: TenantId, selection: ReprocessSelection, lock: boolean) => {
        const locking = lock ? sql`FOR UPDATE SKIP LOCKED` : sql``
        return selection._tag === "ByIds"
          ? sql`SELECT id FROM p_eventhook__event
                WHERE tenant_id = ${tenantId} AND status IN ('failed', 'unrouted')
                  AND id::text IN ${sql.in(selection.eventIds.length === 0 ? [""] : selection.eventIds)}
                ${locking}`
          : sql`SELECT id FROM p_eventhook__event
                WHERE ${sql.and([
                  sql`tenant_id = ${tenantId}`,
                  selection.status === undefined
                    ? sql`status IN ('failed', 'unrouted')`
                    : sql`status = ${selection.status}`,
                  ...(selection.sourceId === undefined ? [] : [sql`source_id = ${selection.sourceId}`]),
                  ...(selection.eventType === undefined ? [] : [sql`event_type = ${selection.eventType}`]),
                  ...(selection.from === undefined ? [] : [sql`received_at >= ${selection.from}`]),
                  ...(selection.to === undefined ? [] : [sql`received_at < ${selection.to}`])
                ])}
                ORDER BY received_at LIMIT ${selection.limit}
                ${locking}`
      }
      const countForReprocess = Effect.fn("EventRepo.countForReprocess")(
        (tenantId: TenantId, selection: ReprocessSelection) =>
          sql<{ count: number }>`SELECT count(*)::int AS count
              FROM (${reprocessCandidates(tenantId, selection, false)}) chosen`.pipe(
            Effect.map((rows) => rows[0]?.count ?? 0)
          ),
        Effect.orDie
      )
      const resetForReprocess = Effect.fn("EventRepo.resetForReprocess")(
        (tenantId: TenantId, selection: ReprocessSelection) => {
          const chosen = reprocessCandidates(tenantId, selection, true)
          return sql`
            UPDATE p_eventhook__event
            SET status = 'pending', retry_count = 0, next_retry_at = NULL, processed_at = NULL
            WHERE id IN (${chosen})
            RETURNING id::text AS id`.pipe(
            Effect.flatMap(decodeEventIdRows),
            Effect.map((rows) => rows.map((row) => row.id))
          )
        },
        Effect.orDie
      )

      const deleteOlderThan = Effect.fn("EventRepo.deleteOlderThan")(
        (options: { readonly olderThanDays: number; readonly onlyRejected: boolean; readonly batch: number }) =>
          sql`
            DELETE FROM p_eventhook__event
            WHERE id IN (
              SELECT id FROM p_eventhook__event
              WHERE received_at < now() - make_interval(days => ${options.olderThanDays})
                AND (${!options.onlyRejected} OR status = 'rejected')
                AND status NOT IN ('pending', 'processing')
              LIMIT ${options.batch}
              FOR UPDATE SKIP LOCKED)
            RETURNING id`.pipe(Effect.map((rows) => rows.length)),
        Effect.orDie
      )

      return EventRepo.of({
        insertBatch,
        deleteOlderThan,
        resetForReprocess,
        countForReprocess,
        listRejected,
        promote,
        failVerified,
        setVerificationError
      })
    })
  )
}
