import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { EventAdmin } from "../admin/EventAdmin.ts"
import { EventListQuery, ReprocessRequest, ReverifyRequest, validate } from "../admin/inputs.ts"
import { details, json, table } from "./output.ts"
import { CliPlatform, given, jsonFlag, operate, optionalInt, optionalString, tenantFlag } from "./shared.ts"

// `eventhook events …`

const eventId = Argument.String("event").pipe(Argument.withDescription("event id"))
const filterFlags = {
  source: optionalString("source", "source slug"),
  eventType: optionalString("event-type", "event type"),
  since: optionalString("since", "received at or after (ISO 8601)"),
  until: optionalString("until", "received before (ISO 8601)")
}
const eventColumns = ["id", "source", "status", "event_type", "received_at", "size_bytes", "last_error"] as const

const eventsList = Command.make(
  "list",
  {
    tenant: tenantFlag,
    ...filterFlags,
    status: optionalString("status", "pending|processing|delivered|unrouted|failed|rejected|duplicate"),
    limit: optionalInt("limit", "page size, 1–500 (default 50)"),
    cursor: optionalString("cursor", "next_cursor of the previous page"),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const page = yield* (yield* EventAdmin).list(
          flags.tenant,
          yield* validate(EventListQuery)(
            given({
              source: flags.source,
              status: flags.status,
              event_type: flags.eventType,
              since: flags.since,
              until: flags.until,
              limit: Option.map(flags.limit, String),
              cursor: flags.cursor
            })
          )
        )
        yield* Console.log(
          flags.json
            ? json(page)
            : `${table(page.events, eventColumns)}${page.next_cursor === null ? "" : `\nnext page: --cursor ${page.next_cursor}`}`
        )
      })
    )
).pipe(Command.withDescription("list events, newest first"))

const eventsShow = Command.make(
  "show",
  { tenant: tenantFlag, id: eventId, json: jsonFlag },
  ({ tenant, id, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const event = yield* (yield* EventAdmin).get(tenant, id)
        if (asJson) return yield* Console.log(json(event))
        const { headers, parsed_payload, actions, ...summary } = event
        yield* Console.log(
          [
            details(summary),
            "",
            "headers:",
            ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`),
            "",
            "payload:",
            json(parsed_payload),
            "",
            "actions:",
            table(actions, [
              "id",
              "route_id",
              "target_type",
              "status",
              "workflow_execution_id",
              "task_execution_id",
              "promise_id",
              "response_status",
              "response_ms",
              "error_message"
            ])
          ].join("\n")
        )
      })
    )
).pipe(Command.withDescription("show an event: headers, payload and actions"))

const eventsPayload = Command.make("payload", { tenant: tenantFlag, id: eventId }, ({ tenant, id }) =>
  operate(
    Effect.gen(function* () {
      const payload = yield* (yield* EventAdmin).payload(tenant, id)
      yield* (yield* CliPlatform).writeStdout(payload.body)
    })
  )
).pipe(Command.withDescription("write the raw body, exactly as received, to stdout"))

const eventsReprocess = Command.make(
  "reprocess",
  {
    tenant: tenantFlag,
    ids: Argument.String("event").pipe(Argument.withDescription("event ids"), Argument.variadic()),
    ...filterFlags,
    status: Flag.Literals("status", ["failed", "unrouted"]).pipe(Flag.optional),
    limit: optionalInt("limit", "how many at most (required with a filter)"),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const filter = given({
          source: flags.source,
          status: flags.status,
          event_type: flags.eventType,
          since: flags.since,
          until: flags.until
        })
        const result = yield* (yield* EventAdmin).reprocess(
          flags.tenant,
          yield* validate(ReprocessRequest)(
            flags.ids.length > 0
              ? { event_ids: flags.ids, ...given({ limit: flags.limit }) }
              : { filter, ...given({ limit: flags.limit }) }
          )
        )
        yield* Console.log(
          flags.json ? json(result) : `${result.reprocessed} event(s) back to pending; the service processes them`
        )
      })
    )
).pipe(Command.withDescription("replay failed or unrouted events, by id or by filter with --limit"))

const eventsReverify = Command.make(
  "reverify",
  {
    tenant: tenantFlag,
    ids: Argument.String("event").pipe(Argument.withDescription("event ids"), Argument.variadic()),
    source: filterFlags.source,
    since: filterFlags.since,
    until: filterFlags.until,
    limit: optionalInt("limit", "how many at most (required with --source)"),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const result = yield* (yield* EventAdmin).reverify(
          flags.tenant,
          yield* validate(ReverifyRequest)(
            flags.ids.length > 0
              ? { event_ids: flags.ids }
              : given({ source: flags.source, since: flags.since, until: flags.until, limit: flags.limit })
          )
        )
        yield* Console.log(
          flags.json
            ? json(result)
            : [
                `promoted: ${result.promoted.length}`,
                `duplicates: ${result.duplicates.length}`,
                `invalid payload: ${result.invalid_payload.length}`,
                `still rejected: ${result.still_rejected.length}`,
                ...result.still_rejected.map((entry) => `  ${entry.event_id}: ${entry.verification_error}`)
              ].join("\n")
        )
      })
    )
).pipe(Command.withDescription("verify rejected events again with the source's current config"))

export const events = Command.make("events").pipe(
  Command.withDescription("find, inspect, replay and re-verify events"),
  Command.withSubcommands([eventsList, eventsShow, eventsPayload, eventsReprocess, eventsReverify])
)
