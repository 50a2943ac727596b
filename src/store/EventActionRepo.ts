import { PgClient } from "@effect/sql-pg"
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlSchema } from "effect/sql"
import { type ActionStatus, EventAction } from "../domain/EventAction.ts"
import type { EventId, RouteId } from "../domain/ids.ts"
import type { TargetType } from "../domain/TargetConfig.ts"

export interface CompletedAction {
  readonly event_id: EventId
  readonly route_id: RouteId
  readonly target_type: TargetType | string
  readonly status: ActionStatus
  readonly workflow_execution_id: string | null
  readonly task_execution_id: string | null
  readonly promise_id: string | null
  readonly error_message: string | null
  readonly started_at: DateTime.Utc
  readonly completed_at: DateTime.Utc
}

/**
 * One action as a VALUES row for `INSERT INTO p_eventhook__event_action (event_id, route_id, target_type, status,
 * workflow_execution_id, task_execution_id, promise_id, error_message, started_at, completed_at)`.
 */
export const actionRow = (sql: PgClient.PgClient) => (action: CompletedAction) =>
  sql`(${action.event_id}::uuid, ${action.route_id}::uuid, ${action.target_type}, ${action.status},
    ${action.workflow_execution_id}, ${action.task_execution_id}, ${action.promise_id}, ${action.error_message},
    ${DateTime.toDateUtc(action.started_at)}, ${DateTime.toDateUtc(action.completed_at)})`

export class EventActionRepo extends Context.Service<
  EventActionRepo,
  {
    /** Records one execution of one route's target, once it has finished. */
    readonly record: (action: CompletedAction) => Effect.Effect<void>
    /** `record` for many actions in one statement. */
    readonly recordMany: (actions: ReadonlyArray<CompletedAction>) => Effect.Effect<void>
    /** The routes whose action for this event already succeeded: a retry does not run them again. */
    readonly succeededRoutes: (eventId: EventId) => Effect.Effect<ReadonlySet<string>>
    /** An event's actions in the order they started. */
    readonly listForEvent: (eventId: EventId) => Effect.Effect<ReadonlyArray<EventAction>>
  }
>()("eventhook/store/EventActionRepo") {
  static readonly layer = Layer.effect(
    EventActionRepo,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const record = Effect.fn("EventActionRepo.record")((action: CompletedAction) =>
        sql`
          INSERT INTO p_eventhook__event_action (event_id, route_id, target_type, status, workflow_execution_id,
            task_execution_id, promise_id, error_message, started_at, completed_at)
          VALUES (${action.event_id}, ${action.route_id}, ${action.target_type}, ${action.status},
            ${action.workflow_execution_id}, ${action.task_execution_id}, ${action.promise_id}, ${action.error_message},
            ${DateTime.toDateUtc(action.started_at)}, ${DateTime.toDateUtc(action.completed_at)})`.pipe(
          Effect.asVoid,
          Effect.orDie
        )
      )
      const recordMany = Effect.fn("EventActionRepo.recordMany")((actions: ReadonlyArray<CompletedAction>) =>
        sql`
          INSERT INTO p_eventhook__event_action (event_id, route_id, target_type, status, workflow_execution_id,
            task_execution_id, promise_id, error_message, started_at, completed_at)
          VALUES ${sql.csv(
            actions.map(
              (
                action
              ) => sql`(${action.event_id}::uuid, ${action.route_id}::uuid, ${action.target_type}, ${action.status},
                ${action.workflow_execution_id}, ${action.task_execution_id}, ${action.promise_id},
                ${action.error_message}, ${DateTime.toDateUtc(action.started_at)},
                ${DateTime.toDateUtc(action.completed_at)})`
            )
          )}`.pipe(Effect.asVoid, Effect.orDie)
      )
      const listQuery = SqlSchema.findAll({
        Request: Schema.String,
        Result: EventAction,
        execute: (eventId) => sql`
          SELECT id::text AS id, event_id::text AS event_id, route_id::text AS route_id, target_type, status,
                 workflow_execution_id, task_execution_id, promise_id, error_message, started_at, completed_at
          FROM p_eventhook__event_action WHERE event_id = ${eventId} ORDER BY started_at, id`
      })
      const listForEvent = Effect.fn("EventActionRepo.listForEvent")((eventId: EventId) =>
        listQuery(eventId).pipe(Effect.orDie)
      )
      const succeededRoutes = Effect.fn("EventActionRepo.succeededRoutes")(
        (eventId: EventId) =>
          sql<{ readonly route_id: string }>`
            SELECT DISTINCT route_id::text AS route_id FROM p_eventhook__event_action
            WHERE event_id = ${eventId} AND status = 'success' AND route_id IS NOT NULL`.pipe(
            Effect.map((rows) => new Set(rows.map((row) => row.route_id)))
          ),
        Effect.orDie
      )
      return EventActionRepo.of({
        recordMany,
        record,
        succeededRoutes,
        listForEvent
      })
    })
  )
}
