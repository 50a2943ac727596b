import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { RouteCreate, RouteTest, RouteUpdate, validate } from "../admin/inputs.ts"
import { RouteAdmin } from "../admin/RouteAdmin.ts"
import type { RouteTestView } from "../admin/views.ts"
import { details, json, table } from "./output.ts"
import { given, jsonFlag, list, operate, optionalInt, optionalJson, optionalString, tenantFlag } from "./shared.ts"

// `eventhook route …`

const routeId = Argument.String("route").pipe(Argument.withDescription("route id"))
const routeColumns = [
  "id",
  "source",
  "name",
  "priority",
  "is_enabled",
  "target_type",
  "filter_event_types",
  "filter"
] as const

const filterFlag = optionalString("filter", "a CEL expression; the route matches when it is true (README)")
const transformFlag = optionalString("transform", "a CEL expression whose value (a map) is the target's input")
// On update, an empty expression removes it.
const expressionChange = (text: Option.Option<string>) => Option.map(text, (value) => (value === "" ? null : value))

const routeCreate = Command.make(
  "create",
  {
    tenant: tenantFlag,
    source: Flag.String("source").pipe(Flag.withDescription("the source's slug")),
    target: Flag.Literals("target", ["workflow", "task", "promise", "http"]).pipe(Flag.withDescription("target_type")),
    targetConfig: optionalJson("target-config", "target_config (CONTRACT §6)"),
    workflowKind: optionalString("workflow-kind", "shorthand: target_config.workflow_kind"),
    taskKind: optionalString("task-kind", "shorthand: target_config.task_kind"),
    queue: optionalString("queue", "shorthand: target_config.queue"),
    url: optionalString("url", "shorthand: target_config.url (http)"),
    name: optionalString("name", "display name"),
    priority: optionalInt("priority", "higher runs first (default 0)"),
    eventTypes: optionalString("event-types", "comma-separated event types it matches (default: all)"),
    filter: filterFlag,
    transform: transformFlag,
    disabled: Flag.Boolean("disabled").pipe(Flag.withDescription("create it disabled"), Flag.withDefault(false)),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const targetConfig = Option.getOrElse(flags.targetConfig, () => ({}))
        const route = yield* (yield* RouteAdmin).create(
          flags.tenant,
          yield* validate(RouteCreate)({
            source: flags.source,
            target_type: flags.target,
            target_config: {
              ...(targetConfig as object),
              ...given({
                workflow_kind: flags.workflowKind,
                task_kind: flags.taskKind,
                queue: flags.queue,
                url: flags.url
              })
            },
            ...given({
              name: flags.name,
              priority: flags.priority,
              filter_event_types: list(flags.eventTypes),
              filter: flags.filter,
              transform: flags.transform
            }),
            ...(flags.disabled ? { is_enabled: false } : {})
          })
        )
        yield* Console.log(flags.json ? json(route) : `route ${route.id} created on source ${route.source}`)
      })
    )
).pipe(
  Command.withDescription("create a route"),
  Command.withExamples([
    {
      command: "eventhook route create -t acme --source stripe --target workflow --workflow-kind charge-paid",
      description: "start a workflow for every Stripe event"
    },
    {
      command: "eventhook route create -t acme --source github --target http --url https://ci.example/hooks",
      description: "forward every GitHub event, exact bytes and signature headers, to your service"
    },
    {
      command: `eventhook route create -t acme --source stripe --target workflow --workflow-kind big-charge --filter 'body.data.object.amount >= 100000'`,
      description: "only charges of 1,000.00 or more"
    }
  ])
)

const routeUpdate = Command.make(
  "update",
  {
    tenant: tenantFlag,
    id: routeId,
    name: optionalString("name", "display name"),
    priority: optionalInt("priority", "higher runs first"),
    eventTypes: optionalString("event-types", "comma-separated event types it matches (empty: all)"),
    filter: optionalString("filter", "a CEL expression; the route matches when it is true (empty: none)"),
    transform: optionalString("transform", "a CEL expression whose value is the target's input (empty: none)"),
    targetConfig: optionalJson("target-config", "target_config (CONTRACT §6)"),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const route = yield* (yield* RouteAdmin).update(
          flags.tenant,
          flags.id,
          yield* validate(RouteUpdate)(
            given({
              name: flags.name,
              priority: flags.priority,
              filter_event_types: Option.map(list(flags.eventTypes), (types) => (types.length === 0 ? null : types)),
              filter: expressionChange(flags.filter),
              transform: expressionChange(flags.transform),
              target_config: flags.targetConfig
            })
          )
        )
        yield* Console.log(flags.json ? json(route) : `route ${route.id} updated`)
      })
    )
).pipe(Command.withDescription("change a route; what is not given stays"))

const routeTest = Command.make(
  "test",
  {
    tenant: tenantFlag,
    source: Flag.String("source").pipe(Flag.withDescription("the source whose stored events are replayed")),
    eventTypes: optionalString("event-types", "comma-separated event types it matches (default: all)"),
    filter: filterFlag,
    transform: transformFlag,
    target: Flag.Literals("target", ["workflow", "task", "promise", "http"]).pipe(
      Flag.withDescription("target_type (checked, never run)"),
      Flag.optional
    ),
    targetConfig: optionalJson("target-config", "target_config (checked, never run)"),
    since: optionalString("since", "only events received at or after (ISO 8601)"),
    limit: optionalInt("limit", "the newest N events (default 1000)"),
    samples: optionalInt("samples", "samples of each kind (default 5)"),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const report = yield* (yield* RouteAdmin).test(
          flags.tenant,
          yield* validate(RouteTest)({
            source: flags.source,
            ...given({
              filter_event_types: list(flags.eventTypes),
              filter: flags.filter,
              transform: flags.transform,
              target_type: flags.target,
              target_config: flags.targetConfig,
              since: flags.since,
              limit: flags.limit,
              samples: flags.samples
            })
          })
        )
        yield* Console.log(flags.json ? json(report) : dryRunText(report))
      })
    )
).pipe(
  Command.withDescription("dry run: how a candidate route would have matched the source's stored events"),
  Command.withExamples([
    {
      command: `eventhook route test -t acme --source github --filter 'body.pull_request.labels.exists(l, l.name == "urgent")'`,
      description: "which of the last 1,000 GitHub events carry the urgent label"
    }
  ])
)

const dryRunText = (report: RouteTestView) =>
  [
    `${report.matched} of ${report.events} events of ${report.source} would match` +
      ` (${report.unmatched} not, ${report.skipped} skipped: the filter could not decide` +
      `${report.transform_failed > 0 ? `, ${report.transform_failed} whose transform fails` : ""})`,
    ...report.samples.matched.map(
      (sample) =>
        `  match    ${sample.event_id} ${sample.event_type ?? "-"} ${
          sample.reason === undefined ? JSON.stringify(sample.input) : `transform fails: ${sample.reason}`
        }`
    ),
    ...report.samples.unmatched.map(
      (sample) => `  no match ${sample.event_id} ${sample.event_type ?? "-"} ${sample.reason}`
    ),
    ...report.samples.skipped.map(
      (sample) => `  skipped  ${sample.event_id} ${sample.event_type ?? "-"} ${sample.reason}`
    )
  ].join("\n")

const routeList = Command.make(
  "list",
  { tenant: tenantFlag, source: optionalString("source", "only this source's routes"), json: jsonFlag },
  ({ tenant, source, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const routes = yield* (yield* RouteAdmin).list(tenant, Option.getOrUndefined(source))
        yield* Console.log(asJson ? json(routes) : table(routes, routeColumns))
      })
    )
).pipe(Command.withDescription("list routes, in the order they run"))

const routeShow = Command.make(
  "show",
  { tenant: tenantFlag, id: routeId, json: jsonFlag },
  ({ tenant, id, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const route = yield* (yield* RouteAdmin).get(tenant, id)
        yield* Console.log(asJson ? json(route) : details(route))
      })
    )
).pipe(Command.withDescription("show a route"))

const routeToggle = (name: "enable" | "disable", enabled: boolean) =>
  Command.make(name, { tenant: tenantFlag, id: routeId, json: jsonFlag }, ({ tenant, id, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const route = yield* (yield* RouteAdmin).update(
          tenant,
          id,
          yield* validate(RouteUpdate)({ is_enabled: enabled })
        )
        yield* Console.log(asJson ? json(route) : `route ${id} ${name}d`)
      })
    )
  ).pipe(Command.withDescription(`${name} a route`))

const routeDelete = Command.make(
  "delete",
  { tenant: tenantFlag, id: routeId, json: jsonFlag },
  ({ tenant, id, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        yield* (yield* RouteAdmin).remove(tenant, id)
        yield* Console.log(asJson ? json({ deleted: true }) : `route ${id} deleted`)
      })
    )
).pipe(Command.withDescription("delete a route (its past actions stay)"))

export const route = Command.make("route").pipe(
  Command.withDescription("manage routes"),
  Command.withSubcommands([
    routeCreate,
    routeList,
    routeShow,
    routeUpdate,
    routeTest,
    routeToggle("enable", true),
    routeToggle("disable", false),
    routeDelete
  ])
)
