import { Config, Console, Context, Effect, Layer, Logger, Option, References } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { EventAdmin } from "../admin/EventAdmin.ts"
import { providers } from "../admin/providers.ts"
import { RouteAdmin } from "../admin/RouteAdmin.ts"
import { SourceAdmin } from "../admin/SourceAdmin.ts"
import { TenantAdmin } from "../admin/TenantAdmin.ts"
import { AppConfig, appConfig } from "../config/AppConfig.ts"
import { EventhookOperatorTools } from "../Eventhook.ts"
import { DatabaseToolLive, runMigrations } from "../store/Database.ts"
import { SecretBox } from "../store/SecretBox.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { details, json, table } from "./output.ts"

// `eventhook …` (issue 6): the operator's commands, against the database directly with the server's own
// configuration (DATABASE_URL, else the embedded cluster in EVENTHOOK_DATA_DIR, borrowed when the service runs).
// Every command that changes or reads data goes through the same services as the admin API, so both surfaces
// validate and answer alike.

/** An operator error: printed as `error: <message>`, and the process exits 1. */
export interface OperatorError {
  readonly error: string
  readonly message: string
}

/** What the CLI needs of its platform: serving, the demo, and raw bytes to stdout. */
export class CliPlatform extends Context.Service<
  CliPlatform,
  {
    readonly serve: Effect.Effect<void>
    readonly demo: Effect.Effect<void>
    readonly writeStdout: (bytes: Uint8Array) => Effect.Effect<void>
  }
>()("eventhook/cli/CliPlatform") {}

const ToolLayer = EventhookOperatorTools.pipe(Layer.provideMerge(DatabaseToolLive), Layer.provide(AppConfig.layer))

/** Runs an operator effect against the database; warnings go to stderr so stdout stays the command's output. */
const operate = <A, E extends OperatorError, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.provide(ToolLayer),
    Effect.provideService(Logger.LogToStderr, true),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  )

const jsonFlag = Flag.Boolean("json").pipe(
  Flag.withDescription("print JSON (the admin API's shapes) for scripts"),
  Flag.withDefault(false)
)
const tenantFlag = Flag.String("tenant").pipe(
  Flag.withAlias("t"),
  Flag.withDescription("tenant slug (default: $EVENTHOOK_TENANT)"),
  Flag.withFallbackConfig(Config.String("EVENTHOOK_TENANT"))
)
const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const optionalInt = (name: string, description: string) =>
  Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)
/** Only the flags that were given, under their API names. */
const given = (entries: Record<string, Option.Option<unknown>>) =>
  Object.fromEntries(
    Object.entries(entries).flatMap(([key, value]) => (Option.isSome(value) ? [[key, value.value]] : []))
  )
const list = (text: Option.Option<string>) =>
  Option.map(text, (value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")
  )
const parseJson = (flag: string, text: Option.Option<string>) =>
  Option.match(text, {
    onNone: () => Effect.succeed(Option.none<unknown>()),
    onSome: (value) =>
      Effect.try({
        try: () => Option.some<unknown>(JSON.parse(value)),
        catch: () => ({ error: "invalid_request", message: `--${flag}: is not valid JSON` }) satisfies OperatorError
      })
  })

// tenant ---------------------------------------------------------------------------------------------------

const tenantCreate = Command.make(
  "create",
  { slug: Argument.String("slug"), name: optionalString("name", "display name (default: the slug)"), json: jsonFlag },
  ({ slug, name, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const tenant = yield* (yield* TenantAdmin).create({ slug, ...given({ name }) })
        yield* Console.log(asJson ? json(tenant) : `tenant ${tenant.slug} created (${tenant.id})`)
      })
    )
).pipe(Command.withDescription("create a tenant"))

const tenantList = Command.make("list", { json: jsonFlag }, ({ json: asJson }) =>
  operate(
    Effect.gen(function* () {
      const tenants = yield* (yield* TenantAdmin).list
      yield* Console.log(asJson ? json(tenants) : table(tenants, ["slug", "name", "id", "created_at"]))
    })
  )
).pipe(Command.withDescription("list tenants"))

const tenant = Command.make("tenant").pipe(
  Command.withDescription("manage tenants"),
  Command.withSubcommands([tenantCreate, tenantList])
)

// source ---------------------------------------------------------------------------------------------------

const sourceSlug = Argument.String("source").pipe(Argument.withDescription("source slug"))

const printSource = (asJson: boolean) => (source: Record<string, unknown>) =>
  Console.log(asJson ? json(source) : details(source))

const sourceCreate = Command.make(
  "create",
  {
    tenant: tenantFlag,
    slug: sourceSlug,
    provider: Flag.Literals(
      "provider",
      providers.map((provider) => provider.name)
    ).pipe(Flag.withDescription("preset: fills the verifier (see `eventhook source providers`)"), Flag.optional),
    secret: optionalString("secret", "the provider's signing secret (with --provider)"),
    verifierConfig: optionalString(
      "verifier-config",
      "verifier_config JSON (CONTRACT §5); with --provider, extra fields"
    ),
    name: optionalString("name", "display name (default: the slug)"),
    description: optionalString("description", "free text"),
    idempotencyKeyPaths: optionalString(
      "idempotency-key-paths",
      "comma-separated dedupe paths (default: the provider's delivery id)"
    ),
    eventTypeConfig: optionalString("event-type-config", 'JSON, e.g. {"header":"x-type"} or {"path":"body.kind"}'),
    rateLimitPerSecond: Flag.Finite("rate-limit-per-second").pipe(
      Flag.withDescription("override of EVENTHOOK_RATE_LIMIT_PER_SECOND"),
      Flag.optional
    ),
    rateLimitBurst: optionalInt("rate-limit-burst", "override of EVENTHOOK_RATE_LIMIT_BURST"),
    disabled: Flag.Boolean("disabled").pipe(Flag.withDescription("create it disabled"), Flag.withDefault(false)),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const verifierConfig = yield* parseJson("verifier-config", flags.verifierConfig)
        const eventTypeConfig = yield* parseJson("event-type-config", flags.eventTypeConfig)
        const source = yield* (yield* SourceAdmin).create(flags.tenant, {
          slug: flags.slug,
          ...given({
            provider: flags.provider,
            secret: flags.secret,
            verifier_config: verifierConfig,
            name: flags.name,
            description: flags.description,
            idempotency_key_paths: list(flags.idempotencyKeyPaths),
            event_type_config: eventTypeConfig,
            rate_limit_per_second: flags.rateLimitPerSecond,
            rate_limit_burst: flags.rateLimitBurst
          }),
          ...(flags.disabled ? { is_enabled: false } : {})
        })
        yield* flags.json
          ? Console.log(json(source))
          : Console.log(`source ${source.slug} created\ningest URL: ${source.ingest_url}`)
      })
    )
).pipe(
  Command.withDescription("create a source"),
  Command.withExamples([
    {
      command: "eventhook source create stripe -t acme --provider stripe --secret whsec_…",
      description: "a Stripe source"
    }
  ])
)

const sourceList = Command.make("list", { tenant: tenantFlag, json: jsonFlag }, ({ tenant, json: asJson }) =>
  operate(
    Effect.gen(function* () {
      const sources = yield* (yield* SourceAdmin).list(tenant)
      yield* Console.log(
        asJson ? json(sources) : table(sources, ["slug", "name", "is_enabled", "verifier_type", "ingest_url"])
      )
    })
  )
).pipe(Command.withDescription("list a tenant's sources"))

const sourceShow = Command.make(
  "show",
  { tenant: tenantFlag, slug: sourceSlug, json: jsonFlag },
  ({ tenant, slug, json: asJson }) =>
    operate(
      Effect.flatMap(
        Effect.flatMap(SourceAdmin, (sources) => sources.get(tenant, slug)),
        printSource(asJson)
      )
    )
).pipe(Command.withDescription("show a source (secrets are never shown)"))

const sourceToggle = (name: "enable" | "disable", enabled: boolean) =>
  Command.make(name, { tenant: tenantFlag, slug: sourceSlug, json: jsonFlag }, ({ tenant, slug, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const source = yield* (yield* SourceAdmin).update(tenant, slug, { is_enabled: enabled })
        yield* asJson ? Console.log(json(source)) : Console.log(`source ${slug} ${name}d`)
      })
    )
  ).pipe(Command.withDescription(`${name} a source (a disabled source answers 404)`))

const sourceRotate = Command.make(
  "rotate-secret",
  {
    tenant: tenantFlag,
    slug: sourceSlug,
    secret: Flag.String("secret").pipe(Flag.withDescription("the new secret")),
    dropPrevious: Flag.Boolean("drop-previous").pipe(
      Flag.withDescription("stop accepting the previous secret(s) now (default: both stay valid)"),
      Flag.withDefault(false)
    ),
    json: jsonFlag
  },
  ({ tenant, slug, secret, dropPrevious, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const source = yield* (yield* SourceAdmin).rotateSecret(tenant, slug, {
          secret,
          keep_previous: !dropPrevious
        })
        const count = (source.verifier_config as { readonly secrets_configured?: number } | null)?.secrets_configured
        yield* asJson
          ? Console.log(json(source))
          : Console.log(`source ${slug}: secret rotated; ${count ?? 0} secret(s) now accepted`)
      })
    )
).pipe(Command.withDescription("replace a source's secret, keeping the previous one valid unless --drop-previous"))

const sourceProviders = Command.make("providers", { json: jsonFlag }, ({ json: asJson }) =>
  Console.log(asJson ? json(providers) : table(providers, ["name", "verifier_type", "secret_field", "dedupe"]))
).pipe(Command.withDescription("list the --provider presets"))

const source = Command.make("source").pipe(
  Command.withDescription("manage sources"),
  Command.withSubcommands([
    sourceCreate,
    sourceList,
    sourceShow,
    sourceToggle("enable", true),
    sourceToggle("disable", false),
    sourceRotate,
    sourceProviders
  ])
)

// route ----------------------------------------------------------------------------------------------------

const routeId = Argument.String("route").pipe(Argument.withDescription("route id"))
const routeColumns = ["id", "source", "name", "priority", "is_enabled", "target_type", "filter_event_types"] as const

const routeCreate = Command.make(
  "create",
  {
    tenant: tenantFlag,
    source: Flag.String("source").pipe(Flag.withDescription("the source's slug")),
    target: Flag.Literals("target", ["workflow", "task", "promise"]).pipe(Flag.withDescription("target_type")),
    targetConfig: optionalString("target-config", "target_config JSON (CONTRACT §6)"),
    workflowKind: optionalString("workflow-kind", "shorthand: target_config.workflow_kind"),
    taskKind: optionalString("task-kind", "shorthand: target_config.task_kind"),
    queue: optionalString("queue", "shorthand: target_config.queue"),
    name: optionalString("name", "display name"),
    priority: optionalInt("priority", "higher runs first (default 0)"),
    eventTypes: optionalString("event-types", "comma-separated event types it matches (default: all)"),
    disabled: Flag.Boolean("disabled").pipe(Flag.withDescription("create it disabled"), Flag.withDefault(false)),
    json: jsonFlag
  },
  (flags) =>
    operate(
      Effect.gen(function* () {
        const targetConfig = Option.getOrElse(yield* parseJson("target-config", flags.targetConfig), () => ({}))
        const route = yield* (yield* RouteAdmin).create(flags.tenant, {
          source: flags.source,
          target_type: flags.target,
          target_config: {
            ...(targetConfig as object),
            ...given({ workflow_kind: flags.workflowKind, task_kind: flags.taskKind, queue: flags.queue })
          },
          ...given({ name: flags.name, priority: flags.priority, filter_event_types: list(flags.eventTypes) }),
          ...(flags.disabled ? { is_enabled: false } : {})
        })
        yield* Console.log(flags.json ? json(route) : `route ${route.id} created on source ${route.source}`)
      })
    )
).pipe(
  Command.withDescription("create a route"),
  Command.withExamples([
    {
      command: "eventhook route create -t acme --source stripe --target workflow --workflow-kind charge-paid",
      description: "start a workflow for every Stripe event"
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
        const route = yield* (yield* RouteAdmin).update(tenant, id, { is_enabled: enabled })
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

const route = Command.make("route").pipe(
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

// events ---------------------------------------------------------------------------------------------------

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
          flags.ids.length > 0
            ? { event_ids: flags.ids, ...given({ limit: flags.limit }) }
            : { filter, ...given({ limit: flags.limit }) }
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
          flags.ids.length > 0
            ? { event_ids: flags.ids }
            : given({ source: flags.source, since: flags.since, until: flags.until, limit: flags.limit })
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

const events = Command.make("events").pipe(
  Command.withDescription("find, inspect, replay and re-verify events"),
  Command.withSubcommands([eventsList, eventsShow, eventsPayload, eventsReprocess, eventsReverify])
)

// secrets ------------------------------------------------------------------------------------------------------

const secretsReencrypt = Command.make(
  "reencrypt",
  {
    tenant: Flag.String("tenant").pipe(
      Flag.withAlias("t"),
      Flag.withDescription("only this tenant's sources (default: every tenant's)"),
      Flag.optional
    ),
    json: jsonFlag
  },
  ({ tenant, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const box = yield* SecretBox
        if (box.currentKeyId === null)
          return yield* Effect.fail<OperatorError>({
            error: "invalid_request",
            message: "EVENTHOOK_SECRET_KEY is not set: there is no key to encrypt under"
          })
        const tenantId = Option.isSome(tenant) ? (yield* (yield* TenantAdmin).require(tenant.value)).id : undefined
        const report = yield* (yield* SourceRepo).resealAll(tenantId === undefined ? {} : { tenantId })
        if (asJson)
          return yield* Console.log(
            json({
              key_id: box.currentKeyId,
              resealed: report.resealed,
              unchanged: report.unchanged,
              unknown_key: report.unknownKey
            })
          )
        yield* Console.log(
          `secrets of ${report.resealed} sources encrypted under key ${box.currentKeyId}; ${report.unchanged} already were`
        )
        for (const { id, keyIds } of report.unknownKey)
          yield* Console.error(
            `source ${id}: a secret is encrypted under key ${keyIds.join(", ")}, which is not configured`
          )
      })
    )
).pipe(
  Command.withDescription(
    "encrypt every source's secrets under EVENTHOOK_SECRET_KEY: plaintext ones, and those under EVENTHOOK_SECRET_KEY_PREVIOUS"
  )
)

const secrets = Command.make("secrets").pipe(
  Command.withDescription("secrets at rest"),
  Command.withSubcommands([secretsReencrypt])
)

// service --------------------------------------------------------------------------------------------------

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function* () {
    const applied = yield* runMigrations
    yield* Console.log(
      applied.length === 0
        ? "migrations: up to date"
        : applied.map(([id, name]) => `applied ${String(id).padStart(4, "0")}_${name}`).join("\n")
    )
  }).pipe(
    // Migrating is this command's job, whatever EVENTHOOK_MIGRATE says.
    Effect.provide(
      DatabaseToolLive.pipe(
        Layer.provide(
          Layer.effect(
            AppConfig,
            Effect.map(appConfig, (config) => ({ ...config, migrate: false }))
          )
        )
      )
    ),
    Effect.provideService(Logger.LogToStderr, true),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  )
).pipe(Command.withDescription("apply the database migrations"))

const serve = Command.make("serve", {}, () => Effect.flatMap(CliPlatform, (platform) => platform.serve)).pipe(
  Command.withDescription("run the service (the same as `npm start`)")
)
const demo = Command.make("demo", {}, () => Effect.flatMap(CliPlatform, (platform) => platform.demo)).pipe(
  Command.withDescription("send a signed GitHub webhook through a demo source and show what it started")
)

export const eventhookCli = Command.make("eventhook").pipe(
  Command.withDescription("Eventhook: webhook ingestion and routing — operator commands"),
  Command.withSubcommands([serve, migrate, demo, tenant, source, route, events, secrets])
)
