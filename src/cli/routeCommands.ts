import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { RouteCreate, RouteUpdate, validate } from "../admin/inputs.ts"
import { RouteAdmin } from "../admin/RouteAdmin.ts"
import { details, json, table } from "./output.ts"
import { given, jsonFlag, list, operate, optionalInt, optionalJson, optionalString, tenantFlag } from "./shared.ts"

// `eventhook route …`

const routeId = Argument.String("route").pipe(Argument.withDescription("route id"))
const routeColumns = ["id", "source", "name", "priority", "is_enabled", "target_type", "filter_event_types"] as const

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
            ...given({ name: flags.name, priority: flags.priority, filter_event_types: list(flags.eventTypes) }),
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
    }
  ])
)

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
    routeToggle("enable", true),
    routeToggle("disable", false),
    routeDelete
  ])
)
