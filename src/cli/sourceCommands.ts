import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { RotateSecret, SourceCreate, SourceUpdate, validate } from "../admin/inputs.ts"
import { providers } from "../admin/providers.ts"
import { SourceAdmin } from "../admin/SourceAdmin.ts"
import { details, json, table } from "./output.ts"
import { given, jsonFlag, list, operate, optionalInt, optionalJson, optionalString, tenantFlag } from "./shared.ts"

// `eventhook source …`

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
    verifierConfig: optionalJson("verifier-config", "verifier_config (CONTRACT §5); with --provider, extra fields"),
    name: optionalString("name", "display name (default: the slug)"),
    description: optionalString("description", "free text"),
    idempotencyKeyPaths: optionalString(
      "idempotency-key-paths",
      "comma-separated dedupe paths (default: the provider's delivery id)"
    ),
    eventTypeConfig: optionalJson("event-type-config", 'e.g. {"header":"x-type"} or {"path":"body.kind"}'),
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
        const source = yield* (yield* SourceAdmin).create(
          flags.tenant,
          yield* validate(SourceCreate)({
            slug: flags.slug,
            ...given({
              provider: flags.provider,
              secret: flags.secret,
              verifier_config: flags.verifierConfig,
              name: flags.name,
              description: flags.description,
              idempotency_key_paths: list(flags.idempotencyKeyPaths),
              event_type_config: flags.eventTypeConfig,
              rate_limit_per_second: flags.rateLimitPerSecond,
              rate_limit_burst: flags.rateLimitBurst
            }),
            ...(flags.disabled ? { is_enabled: false } : {})
          })
        )
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
        const source = yield* (yield* SourceAdmin).update(
          tenant,
          slug,
          yield* validate(SourceUpdate)({ is_enabled: enabled })
        )
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
        const source = yield* (yield* SourceAdmin).rotateSecret(
          tenant,
          slug,
          yield* validate(RotateSecret)({
            secret,
            keep_previous: !dropPrevious
          })
        )
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

export const source = Command.make("source").pipe(
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
