import { Config, Context, Effect, Layer, type LogLevel, Option, type Redacted, Result, Schema } from "effect"
import { type DestinationRules, parseDestinationRules } from "../domain/destinationRules.ts"

// Every environment variable of CONTRACT §2, with its default. A value that does not decode stops start-up
// with a ConfigError that names the variable.

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const PositiveNumber = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))
const ListenPort = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
const PostgresUrl = Schema.String.check(
  Schema.isPattern(/^postgres(ql)?:\/\/\S+$/, { message: "must be a postgres:// or postgresql:// URL" })
)
const HttpUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s/]+\S*$/, { message: "must be an http:// or https:// URL" })
)
// 32 random bytes, base64 (`openssl rand -base64 32`): an AES-256 key.
const SecretKey = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? atob(text).length : -1
    return bytes === 32 ? undefined : "must be 32 bytes, base64 (openssl rand -base64 32)"
  })
)
// A comma-separated list of CIDRs, addresses and host names (domain/destinationRules.ts says how they apply).
const entriesOf = (text: string) => text.split(",").filter((entry) => entry.trim() !== "")
const DestinationList = (side: "allow" | "deny") =>
  Schema.String.check(
    Schema.makeFilter((text: string) => {
      const parsed = parseDestinationRules(
        side === "allow" ? { allow: entriesOf(text), deny: [] } : { allow: null, deny: entriesOf(text) }
      )
      return Result.isFailure(parsed) ? parsed.failure.replace(/^[A-Z_]+: /, "") : undefined
    })
  )
const LogLevelName = Schema.Literals(["debug", "info", "warn", "error"])

const logLevels: Record<typeof LogLevelName.Type, LogLevel.LogLevel> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error"
}

export const appConfig = Config.all({
  databaseUrl: Config.schema(Schema.RedactedFromValue(PostgresUrl), "DATABASE_URL").pipe(Config.option),
  dataDir: Config.schema(Schema.NonEmptyString, "EVENTHOOK_DATA_DIR").pipe(Config.withDefault("./.eventhook")),
  host: Config.schema(Schema.NonEmptyString, "HOST").pipe(Config.withDefault("0.0.0.0")),
  port: Config.schema(ListenPort, "PORT").pipe(Config.withDefault(8080)),
  maxBodyBytes: Config.schema(PositiveInt, "EVENTHOOK_MAX_BODY_BYTES").pipe(Config.withDefault(1_048_576)),
  rateLimitPerSecond: Config.schema(PositiveNumber, "EVENTHOOK_RATE_LIMIT_PER_SECOND").pipe(Config.withDefault(100)),
  rateLimitBurst: Config.schema(PositiveInt, "EVENTHOOK_RATE_LIMIT_BURST").pipe(Config.withDefault(50)),
  maxRetries: Config.schema(NonNegativeInt, "EVENTHOOK_MAX_RETRIES").pipe(Config.withDefault(3)),
  retryBaseSeconds: Config.schema(PositiveNumber, "EVENTHOOK_RETRY_BASE_SECONDS").pipe(Config.withDefault(10)),
  migrate: Config.Boolean("EVENTHOOK_MIGRATE").pipe(Config.withDefault(true)),
  logLevel: Config.schema(LogLevelName, "LOG_LEVEL").pipe(
    Config.withDefault("info" as const),
    Config.map((name) => logLevels[name])
  ),
  logFormat: Config.schema(Schema.Literals(["pretty", "json", "logfmt"]), "LOG_FORMAT").pipe(
    Config.withDefault("pretty" as const)
  ),
  rejectedRetentionDays: Config.schema(PositiveInt, "EVENTHOOK_REJECTED_RETENTION_DAYS").pipe(Config.withDefault(7)),
  retentionDays: Config.schema(PositiveInt, "EVENTHOOK_RETENTION_DAYS").pipe(Config.option),
  publicUrl: Config.schema(HttpUrl, "EVENTHOOK_PUBLIC_URL").pipe(
    Config.map((url) => url.replace(/\/+$/, "")),
    Config.option
  ),
  adminToken: Config.schema(Schema.RedactedFromValue(Schema.NonEmptyString), "EVENTHOOK_ADMIN_TOKEN").pipe(
    Config.option
  ),
  secretKey: Config.schema(Schema.RedactedFromValue(SecretKey), "EVENTHOOK_SECRET_KEY").pipe(Config.option),
  secretKeyPrevious: Config.schema(Schema.RedactedFromValue(SecretKey), "EVENTHOOK_SECRET_KEY_PREVIOUS").pipe(
    Config.option
  ),
  metricsPort: Config.schema(ListenPort, "EVENTHOOK_METRICS_PORT").pipe(Config.option),
  tracing: Config.schema(HttpUrl, "OTEL_EXPORTER_OTLP_ENDPOINT").pipe(
    Config.option,
    Config.map((endpoint) => endpoint._tag === "Some")
  ),
  metricsSourceLabel: Config.Boolean("EVENTHOOK_METRICS_SOURCE_LABEL").pipe(Config.withDefault(true)),
  metrics: Config.Boolean("EVENTHOOK_METRICS").pipe(Config.withDefault(true)),
  ingestFirstMaxLagSeconds: Config.schema(NonNegativeInt, "EVENTHOOK_INGEST_FIRST_MAX_LAG_SECONDS").pipe(
    Config.withDefault(10)
  ),
  ingestFirstQueuedAt: Config.schema(PositiveInt, "EVENTHOOK_INGEST_FIRST_QUEUED_AT").pipe(Config.withDefault(24)),
  commitOverflowAt: Config.schema(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 128 })),
    "EVENTHOOK_COMMIT_OVERFLOW_AT"
  ).pipe(Config.withDefault(64)),
  ingestPipeline: Config.schema(
    Schema.Union([Schema.Literal("auto"), Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 32 }))]),
    "EVENTHOOK_INGEST_PIPELINE"
  ).pipe(Config.withDefault("auto" as const)),
  processAtIngest: Config.Boolean("EVENTHOOK_PROCESS_AT_INGEST").pipe(Config.withDefault(true)),
  destinationRules: Config.all({
    allow: Config.schema(DestinationList("allow"), "EVENTHOOK_DESTINATION_ALLOW").pipe(Config.option),
    deny: Config.schema(DestinationList("deny"), "EVENTHOOK_DESTINATION_DENY").pipe(Config.withDefault(""))
  }).pipe(
    Config.map(({ allow, deny }) =>
      Result.getOrThrow(
        parseDestinationRules({ allow: Option.isSome(allow) ? entriesOf(allow.value) : null, deny: entriesOf(deny) })
      )
    )
  )
})

export interface AppConfigShape {
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly dataDir: string
  readonly host: string
  readonly port: number
  readonly maxBodyBytes: number
  readonly rateLimitPerSecond: number
  readonly rateLimitBurst: number
  readonly maxRetries: number
  readonly retryBaseSeconds: number
  readonly migrate: boolean
  readonly logLevel: LogLevel.LogLevel
  /** LOG_FORMAT: `pretty` for a terminal, `json` (one object per line, with annotations) or `logfmt` for a collector. */
  readonly logFormat: "pretty" | "json" | "logfmt"
  readonly rejectedRetentionDays: number
  readonly retentionDays: Option.Option<number>
  readonly publicUrl: Option.Option<string>
  readonly adminToken: Option.Option<Redacted.Redacted<string>>
  /** Encrypts secrets at rest (AES-256-GCM), base64 of 32 bytes; the previous key still opens what it sealed. */
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  readonly secretKeyPrevious: Option.Option<Redacted.Redacted<string>>
  /** A listener of its own for `/metrics` (unset: `/metrics` on the main port, behind the admin token). */
  readonly metricsPort: Option.Option<number>
  /** Spans exported over OTLP/HTTP: on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables apply). */
  readonly tracing: boolean
  /** EVENTHOOK_METRICS=false: no metric is updated (the process-wide switch; `/metrics` then shows none). */
  readonly metrics: boolean
  /** Whether ingest metrics carry the `source` label. */
  readonly metricsSourceLabel: boolean
  /** Where `http` targets may send (EVENTHOOK_DESTINATION_ALLOW / _DENY). */
  readonly destinationRules: DestinationRules
  /** Processing yields to ingest while ingest requests queue, for events up to this old; 0: never (issue 22). */
  readonly ingestFirstMaxLagSeconds: number
  /** Ingest comes first while this many ingest requests are in flight, smoothed (issue 22). */
  readonly ingestFirstQueuedAt: number
  /** Ingest requests waiting for a commit that start a statement beside the one in flight (issue 22; EventWriter). */
  readonly commitOverflowAt: number
  /**
   * Ingest statements pipelined on a connection of its own, at most this many in flight; 0: on the pool; `auto`: 2
   * where the database flushes a commit fast, else 0 (issue 22; EventWriter).
   */
  readonly ingestPipeline: number | "auto"
  /**
   * An event whose routes only start workflows or create tasks of the reference host is processed by the statement
   * that stores it, before the 200 (issue 22; src/processing/processAtIngest.ts).
   */
  readonly processAtIngest: boolean
}

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("eventhook/config/AppConfig") {
  static readonly layer = Layer.effect(AppConfig, Effect.map(appConfig, AppConfig.of))
  static readonly layerWith = (config: AppConfigShape) => Layer.succeed(AppConfig, config)
}
