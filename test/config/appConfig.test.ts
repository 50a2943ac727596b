import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { appConfig } from "../../src/config/AppConfig.ts"
import { checkDestinationAddress } from "../../src/domain/destinationRules.ts"

const load = (env: Record<string, string>) => appConfig.parse(ConfigProvider.fromEnv({ env }))

describe("AppConfig (CONTRACT §2)", () => {
  it.effect("every variable has the contract's default", () =>
    Effect.gen(function* () {
      const config = yield* load({})
      assert.isTrue(Option.isNone(config.databaseUrl))
      assert.strictEqual(config.dataDir, "./.eventhook")
      assert.strictEqual(config.host, "0.0.0.0")
      assert.strictEqual(config.port, 8080)
      assert.strictEqual(config.maxBodyBytes, 1_048_576)
      assert.strictEqual(config.rateLimitPerSecond, 100)
      assert.strictEqual(config.rateLimitBurst, 50)
      assert.strictEqual(config.maxRetries, 3)
      assert.strictEqual(config.retryBaseSeconds, 10)
      assert.isTrue(config.migrate)
      assert.strictEqual(config.logLevel, "Info")
      assert.strictEqual(config.rejectedRetentionDays, 7)
      assert.isTrue(Option.isNone(config.retentionDays))
      assert.isTrue(Option.isNone(config.publicUrl))
      assert.isTrue(Option.isNone(config.adminToken))
      assert.isTrue(Option.isNone(config.secretKey))
      assert.isTrue(Option.isNone(config.secretKeyPrevious))
      // Beyond the contract (README "Configuration"): ingest first under overload.
      assert.strictEqual(config.ingestFirstMaxLagSeconds, 10)
      assert.strictEqual(config.ingestFirstQueuedAt, 24)
      assert.strictEqual(config.commitOverflowAt, 64)
      assert.strictEqual(config.ingestPipeline, "auto")
      assert.isTrue(config.processAtIngest)
    })
  )

  it.effect("destination rules: a bad entry stops start-up naming the variable; good ones apply", () =>
    Effect.gen(function* () {
      for (const [name, value] of [
        ["EVENTHOOK_DESTINATION_DENY", "10.0.0.0/33"],
        ["EVENTHOOK_DESTINATION_ALLOW", "not a host!"]
      ] as const) {
        const failed = yield* Effect.flip(load({ [name]: value }))
        assert.include(String(failed), name)
      }
      const config = yield* load({
        EVENTHOOK_DESTINATION_DENY: "10.0.0.0/8, internal.example",
        EVENTHOOK_DESTINATION_ALLOW: "hooks.example.com,192.168.0.0/16"
      })
      assert.isNotNull(checkDestinationAddress("x.example", "10.1.2.3", config.destinationRules))
      assert.isNull(checkDestinationAddress("hooks.example.com", "203.0.113.9", config.destinationRules))
      assert.isNotNull(checkDestinationAddress("other.example", "203.0.113.9", config.destinationRules))
      assert.isNull(checkDestinationAddress("other.example", "192.168.1.1", config.destinationRules))
    })
  )

  it.effect("reads the secret keys: 32 bytes, base64", () =>
    Effect.gen(function* () {
      const key = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))
      const config = yield* load({ EVENTHOOK_SECRET_KEY: key, EVENTHOOK_SECRET_KEY_PREVIOUS: key })
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.secretKey)), key)
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.secretKeyPrevious)), key)
    })
  )

  it.effect("reads every variable", () =>
    Effect.gen(function* () {
      const config = yield* load({
        DATABASE_URL: "postgres://u:p@db:5432/app",
        EVENTHOOK_DATA_DIR: "/var/lib/eventhook",
        HOST: "127.0.0.1",
        PORT: "9000",
        EVENTHOOK_MAX_BODY_BYTES: "2048",
        EVENTHOOK_RATE_LIMIT_PER_SECOND: "2.5",
        EVENTHOOK_RATE_LIMIT_BURST: "5",
        EVENTHOOK_MAX_RETRIES: "0",
        EVENTHOOK_RETRY_BASE_SECONDS: "1",
        EVENTHOOK_MIGRATE: "false",
        LOG_LEVEL: "debug",
        EVENTHOOK_REJECTED_RETENTION_DAYS: "1",
        EVENTHOOK_RETENTION_DAYS: "30",
        EVENTHOOK_PUBLIC_URL: "https://hooks.example.com/",
        EVENTHOOK_ADMIN_TOKEN: "tok",
        EVENTHOOK_INGEST_FIRST_MAX_LAG_SECONDS: "0",
        EVENTHOOK_INGEST_FIRST_QUEUED_AT: "4",
        EVENTHOOK_COMMIT_OVERFLOW_AT: "8",
        EVENTHOOK_INGEST_PIPELINE: "2",
        EVENTHOOK_PROCESS_AT_INGEST: "false"
      })
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.databaseUrl)), "postgres://u:p@db:5432/app")
      assert.strictEqual(config.port, 9000)
      assert.strictEqual(config.rateLimitPerSecond, 2.5)
      assert.strictEqual(config.maxRetries, 0)
      assert.isFalse(config.migrate)
      assert.strictEqual(config.logLevel, "Debug")
      assert.deepStrictEqual(config.retentionDays, Option.some(30))
      assert.deepStrictEqual(config.publicUrl, Option.some("https://hooks.example.com"))
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.adminToken)), "tok")
      assert.strictEqual(config.ingestFirstMaxLagSeconds, 0)
      assert.strictEqual(config.ingestFirstQueuedAt, 4)
      assert.strictEqual(config.commitOverflowAt, 8)
      assert.strictEqual(config.ingestPipeline, 2)
      assert.isFalse(config.processAtIngest)
    })
  )

  it.effect("an empty variable counts as unset: an empty admin token leaves the admin API off", () =>
    Effect.gen(function* () {
      const config = yield* load({ EVENTHOOK_ADMIN_TOKEN: "", PORT: "" })
      assert.isTrue(Option.isNone(config.adminToken))
      assert.strictEqual(config.port, 8080)
    })
  )

  const bad: Array<[string, string]> = [
    ["DATABASE_URL", "mysql://x"],
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["EVENTHOOK_MAX_BODY_BYTES", "0"],
    ["EVENTHOOK_RATE_LIMIT_PER_SECOND", "-1"],
    ["EVENTHOOK_RATE_LIMIT_BURST", "1.5"],
    ["EVENTHOOK_MAX_RETRIES", "-1"],
    ["EVENTHOOK_RETRY_BASE_SECONDS", "0"],
    ["EVENTHOOK_MIGRATE", "maybe"],
    ["LOG_LEVEL", "verbose"],
    ["EVENTHOOK_REJECTED_RETENTION_DAYS", "0"],
    ["EVENTHOOK_RETENTION_DAYS", "forever"],
    ["EVENTHOOK_PUBLIC_URL", "hooks.example.com"],
    ["EVENTHOOK_SECRET_KEY", "c2hvcnQta2V5LW9mLWVsZXZlbi1ieXRlcw=="],
    ["EVENTHOOK_SECRET_KEY", "not base64 at all, but forty-four characters"],
    ["EVENTHOOK_SECRET_KEY_PREVIOUS", "AAAA"],
    ["EVENTHOOK_INGEST_FIRST_MAX_LAG_SECONDS", "-1"],
    ["EVENTHOOK_INGEST_FIRST_QUEUED_AT", "0"],
    ["EVENTHOOK_INGEST_FIRST_QUEUED_AT", "2.5"],
    ["EVENTHOOK_COMMIT_OVERFLOW_AT", "0"],
    ["EVENTHOOK_COMMIT_OVERFLOW_AT", "129"],
    ["EVENTHOOK_COMMIT_OVERFLOW_AT", "2.5"],
    ["EVENTHOOK_INGEST_PIPELINE", "-1"],
    ["EVENTHOOK_INGEST_PIPELINE", "33"],
    ["EVENTHOOK_PROCESS_AT_INGEST", "sometimes"]
  ]
  for (const [name, value] of bad) {
    it.effect(`a bad ${name} (${JSON.stringify(value)}) fails, naming the variable`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(load({ [name]: value }))
        assert.include(String(error), name)
        // A key is a secret even when it is a bad one.
        if (name.includes("SECRET")) assert.notInclude(String(error), value)
      })
    )
  }
})
