import { PgClient } from "@effect/sql-pg"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { type ActionStatus, EventAction } from "../domain/EventAction.ts"
import { type EventId, newRowId, type RouteId } from "../domain/ids.ts"
import type { TargetType } from "../domain/TargetConfig.ts"
import { int4Array, textArray, timestamptzArray, uuidArray } from "./columnArrays.ts"
import { runUncached } from "./uncached.ts"

export interface CompletedAction {
  readonly event_id: EventId
  readonly route_id: RouteId
  readonly target_type: TargetType | string
  readonly status: ActionStatus
  readonly workflow_execution_id: string | null
  readonly task_execution_id: string | null
  readonly promise_id: string | null
  readonly error_message: string | null
  readonly response_status: number | null
  readonly response_ms: number | null
  readonly response_body: string | null
  readonly started_at: DateTime.Utc
  readonly completed_at: DateTime.Utc
}

/** The INSERT of finished actions, as a statement or fragment (EventRepo.finishMany writes it in a CTE). */
export const insertActions = (sql: PgClient.PgClient, actions: ReadonlyArray<CompletedAction>) =>
  sql`INSERT INTO p_eventhook__event_action (id, event_id, route_id, target_type, status, workflow_execution_id,
        task_execution_id, promise_id, error_message, response_status, response_ms, response_body, started_at,
        completed_at)
      SELECT * FROM unnest(${uuidArray(actions.map(() => newRowId()))}, ${uuidArray(actions.map((a) => a.event_id))},
        ${uuidArray(actions.map((a) => a.route_id))}, ${textArray(actions.map((a) => a.target_type))},
        ${textArray(actions.map((a) => a.status))},
        ${textArray(actions.map((a) => a.workflow_execution_id))}, ${textArray(actions.map((a) => a.task_execution_id))},
        ${textArray(actions.map((a) => a.promise_id))}, ${textArray(actions.map((a) => a.error_message))},
        ${int4Array(actions.map((a) => a.response_status))}, ${int4Array(actions.map((a) => a.response_ms))},
        ${textArray(actions.map((a) => a.response_body))},
        ${timestamptzArray(actions.map((a) => DateTime.toDateUtc(a.started_at)))},
        ${timestamptzArray(actions.map((a) => DateTime.toDateUtc(a.completed_at)))})`

export class EventActionRepo extends Context.Service<
  EventActionRepo,
  {
    /** Records executions of routes' targets, once they have finished, in one statement. */
    readonly recordMany: (actions: ReadonlyArray<CompletedAction>) => Effect.Effect<void>
    /** An event's actions in the order they started. */
    readonly listForEvent: (eventId: EventId) => Effect.Effect<ReadonlyArray<EventAction>>
  }
>()("eventhook/store/EventActionRepo") {
  static readonly layer = Layer.effect(
    EventActionRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const recordMany = Effect.fn("EventActionRepo.recordMany")((actions: ReadonlyArray<CompletedAction>) =>
        runUncached(sql, insertActions(sql, actions)).pipe(Effect.asVoid, Effect.orDie)
      )
      const listQuery = SqlSchema.findAll({
        Request: Schema.String,
        Result: EventAction,
        execute: (eventId) => sql`
          SELECT id::text AS id, event_id::text AS event_id, route_id::text AS route_id, target_type, status,
                 workflow_execution_id, task_execution_id, promise_id, error_message, response_status, response_ms,
                 response_body, started_at, completed_at
          FROM p_eventhook__event_action WHERE event_id = ${eventId} ORDER BY started_at, id`
      })
      const listForEvent = Effect.fn("EventActionRepo.listForEvent")((eventId: EventId) =>
        listQuery(eventId).pipe(Effect.orDie)
      )
      return EventActionRepo.of({ recordMany, listForEvent })
    })
  )
}
