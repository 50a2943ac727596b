import type { PgClient as PgClientType } from "@effect/sql-pg"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Schema } from "effect"
import {
  EventForProcessing,
  type EventForProcessing as EventForProcessingType,
  type EventLease,
  type EventStatus
} from "../domain/Event.ts"
import type { EventId } from "../domain/ids.ts"
import { float8Array, textArray, uuidArray } from "./columnArrays.ts"
import { type CompletedAction, insertActions } from "./EventActionRepo.ts"
import { runUncached } from "./uncached.ts"

// The event table as a queue (DESIGN.md): events are leased (`locked_by`, `locked_until`) by the instance that
// works on them, claimed by id or by a sweep, renewed while in hand, and finished or handed back. Storing events
// and reading them is EventRepo's.

/** An event's end of processing, with the actions of its last tier, written together. */
export interface FinishedEvent {
  readonly id: EventId
  readonly holder: string
  readonly outcome: ProcessingOutcome
  readonly actions: ReadonlyArray<CompletedAction>
}

export type Lease = EventLease

export type ProcessingOutcome =
  | { readonly status: Extract<EventStatus, "delivered" | "unrouted"> }
  | { readonly status: "failed"; readonly lastError: string; readonly retryInSeconds: number | null }

// What a worker needs of an event, with the routes already done, from the claimed row `e`.
const processingColumnsOf = (sql: PgClientType.PgClient) =>
  sql.literal(`e.id::text AS id, e.tenant_id::text AS tenant_id,
  e.source_id::text AS source_id, e.content_type, e.raw_payload, e.parsed_payload, e.headers, e.event_type, e.retry_count, e.max_retries,
  octet_length(e.raw_payload) AS body_bytes, e.trace_parent, e.received_at,
  (SELECT coalesce(array_agg(a.route_id::text), '{}') FROM p_eventhook__event_action a
   WHERE a.event_id = e.id AND a.status = 'success' AND a.route_id IS NOT NULL) AS succeeded_route_ids`)

export interface SweepOptions {
  readonly limit: number
  readonly pendingGraceSeconds: number
}

/**
 * One sweep's claim: what is due of each kind, up to `limit` of each. Each kind is read in order through an index
 * that yields it so (migration 0006's own; the planner may take the unleased through the status index, in the same
 * order), and the read stops at the limit. Exported so that a test can check that under EXPLAIN ANALYZE.
 */
export const claimDueStatement = (sql: PgClientType.PgClient, lease: Lease, options: SweepOptions) =>
  sql`
      WITH unleased AS (
        SELECT id FROM p_eventhook__event
        WHERE status = 'pending' AND locked_until IS NULL
          AND received_at < now() - make_interval(secs => ${options.pendingGraceSeconds})
        ORDER BY received_at LIMIT ${options.limit} FOR UPDATE SKIP LOCKED
      ), expired AS (
        SELECT id FROM p_eventhook__event
        WHERE locked_until < now() AND status IN ('pending', 'processing')
        ORDER BY locked_until LIMIT ${options.limit} FOR UPDATE SKIP LOCKED
      ), retry AS (
        SELECT id FROM p_eventhook__event
        WHERE status = 'failed' AND next_retry_at <= now()
        ORDER BY next_retry_at LIMIT ${options.limit} FOR UPDATE SKIP LOCKED
      )
      UPDATE p_eventhook__event AS e
      SET status = 'processing', locked_by = ${lease.holder},
          locked_until = now() + make_interval(secs => ${lease.seconds}),
          retry_count = CASE WHEN e.status = 'failed' THEN e.retry_count + 1 ELSE e.retry_count END,
          next_retry_at = NULL
      WHERE e.id IN (SELECT id FROM unleased UNION ALL SELECT id FROM expired UNION ALL SELECT id FROM retry)
      RETURNING ${processingColumnsOf(sql)}`

export class EventQueue extends Context.Service<
  EventQueue,
  {
    /** Leases those of the events that are still `pending` and unleased (others are skipped), in one statement. */
    readonly claimMany: (
      ids: ReadonlyArray<EventId>,
      lease: Lease
    ) => Effect.Effect<ReadonlyArray<EventForProcessingType>>
    /**
     * Leases events that need work and that nobody holds, oldest first and up to `limit` of each kind: unleased
     * `pending` ones older than `pendingGraceSeconds` (newer ones are on their way through a mailbox), expired
     * leases (a crashed instance), and failed events whose retry is due (counted as a retry).
     */
    readonly claimDue: (lease: Lease, options: SweepOptions) => Effect.Effect<ReadonlyArray<EventForProcessingType>>
    /**
     * Settles events their holder processed, recording their last tiers' actions, in one statement; an event whose
     * lease has passed to someone else is left alone.
     */
    readonly finishMany: (finished: ReadonlyArray<FinishedEvent>) => Effect.Effect<void>
    /** Extends the holder's leases on the given events (those it is working on or has waiting in memory). */
    readonly renewLeases: (ids: ReadonlyArray<EventId>, lease: Lease) => Effect.Effect<void>
    /** Hands back every event `holder` still leases, as unleased `pending`, for another worker (graceful shutdown). */
    readonly releaseAll: (holder: string) => Effect.Effect<number>
    /** These events, while still leased by `holder` and not finished, go back to `pending` unleased. */
    readonly release: (ids: ReadonlyArray<EventId>, holder: string) => Effect.Effect<number>
  }
>()("eventhook/store/EventQueue") {
  static readonly layer = Layer.effect(
    EventQueue,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const processingColumns = processingColumnsOf(sql)
      const decodeForProcessing = Schema.decodeUnknownEffect(Schema.Array(EventForProcessing))

      const claimMany = Effect.fn("EventQueue.claimMany")(
        (ids: ReadonlyArray<EventId>, lease: Lease) =>
          runUncached(
            sql,
            sql`
              UPDATE p_eventhook__event AS e
              SET status = 'processing', locked_by = ${lease.holder},
                  locked_until = now() + make_interval(secs => ${lease.seconds})
              WHERE e.id IN (SELECT id FROM p_eventhook__event
                           WHERE id = ANY(${ids}::uuid[]) AND status = 'pending'
                             AND (locked_until IS NULL OR locked_until < now())
                           FOR UPDATE SKIP LOCKED)
              RETURNING ${processingColumns}`,
            "unprepared"
          ).pipe(Effect.flatMap(decodeForProcessing)),
        Effect.orDie
      )

      const claimDue = Effect.fn("EventQueue.claimDue")(
        (lease: Lease, options: SweepOptions) =>
          runUncached(sql, claimDueStatement(sql, lease, options), "unprepared").pipe(
            Effect.flatMap(decodeForProcessing)
          ),
        Effect.orDie
      )

      const finishMany = (finished: ReadonlyArray<FinishedEvent>) => {
        const ids = uuidArray(finished.map((event) => event.id))
        // A data-modifying CTE runs whether or not the UPDATE reads it: actions and finishes commit together.
        // Only the primary key may lead the plan. The partial status indexes of a busy queue hold every dead version
        // until vacuum while their statistics say they are small, and a plan through them read a thousand pages
        // per batch. So no status condition here: a lease (`locked_by`) exists only on a pending or processing
        // event, and whoever still holds it owns the event.
        return runUncached(
          sql,
          sql`
            WITH recorded AS (${insertActions(
              sql,
              finished.flatMap((event) => event.actions)
            )})
            UPDATE p_eventhook__event AS e
            SET status = v.status, last_error = v.last_error, processed_at = now(),
                next_retry_at = CASE WHEN v.retry_in IS NULL THEN NULL
                                     ELSE now() + make_interval(secs => v.retry_in) END,
                locked_by = NULL, locked_until = NULL
            FROM unnest(${ids}, ${textArray(finished.map((event) => event.holder))},
              ${textArray(finished.map((event) => event.outcome.status))},
              ${textArray(finished.map(({ outcome }) => (outcome.status === "failed" ? outcome.lastError : null)))},
              ${float8Array(
                finished.map(({ outcome }) => (outcome.status === "failed" ? outcome.retryInSeconds : null))
              )})
              AS v (id, holder, status, last_error, retry_in)
            WHERE e.id = ANY(${ids}) AND e.id = v.id AND e.locked_by = v.holder`,
          "unprepared"
        ).pipe(Effect.asVoid, Effect.orDie)
      }

      const renewLeases = Effect.fn("EventQueue.renewLeases")(
        (ids: ReadonlyArray<EventId>, lease: Lease) =>
          runUncached(
            sql,
            sql`UPDATE p_eventhook__event SET locked_until = now() + make_interval(secs => ${lease.seconds})
                WHERE id = ANY(${ids}::uuid[]) AND locked_by = ${lease.holder}`,
            "unprepared"
          ).pipe(Effect.asVoid),
        Effect.orDie
      )

      const releaseAll = Effect.fn("EventQueue.releaseAll")(
        (holder: string) =>
          sql`UPDATE p_eventhook__event SET status = 'pending', locked_by = NULL, locked_until = NULL
              WHERE status IN ('pending', 'processing') AND locked_by = ${holder}
              RETURNING id`.pipe(Effect.map((rows) => rows.length)),
        Effect.orDie
      )

      const release = Effect.fn("EventQueue.release")(
        (ids: ReadonlyArray<EventId>, holder: string) =>
          sql`UPDATE p_eventhook__event SET status = 'pending', locked_by = NULL, locked_until = NULL
              WHERE id = ANY(${uuidArray(ids)}) AND status IN ('pending', 'processing') AND locked_by = ${holder}
              RETURNING id`.pipe(Effect.map((rows) => rows.length)),
        Effect.orDie
      )

      return EventQueue.of({ claimMany, claimDue, finishMany, renewLeases, releaseAll, release })
    })
  )
}
