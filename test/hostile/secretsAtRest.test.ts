import { execFile } from "node:child_process"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Layer, Option, Redacted } from "effect"
import { Webhook } from "standardwebhooks"
import { inject } from "vitest"
import { decodeVerifierConfig } from "../../src/domain/VerifierConfig.ts"
import { SecretBox } from "../../src/store/SecretBox.ts"
import { SourceRepo } from "../../src/store/SourceRepo.ts"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { receiver } from "../support/receiver.ts"
import { createSource, eventually, freshTenant, TestServer } from "../support/TestLayers.ts"

// Issue 15: with EVENTHOOK_SECRET_KEY set, verifier secrets are stored encrypted (AES-256-GCM), the previous key
// still opens what it sealed, a CLI command re-encrypts under the current key, and a secret sealed under a key
// this instance lacks rejects every request (fail closed).

const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
const KEY_A = key()
const KEY_B = key()
const TOKEN = "admin-token-for-secrets-at-rest"
const SECRET = "gh-secret-never-stored-in-clear"
const call = callWith(`Bearer ${TOKEN}`)

const storedConfig = (tenantId: string, slug: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const [row] = yield* sql<{ readonly config: string }>`SELECT verifier_config::text AS config
      FROM p_eventhook__source WHERE tenant_id = ${tenantId} AND slug = ${slug}`
    return row?.config ?? ""
  }).pipe(Effect.orDie)

const createGithubSource = (tenant: string) =>
  call("POST", `/api/tenants/${tenant}/eventhook/sources`, { slug: "gh", provider: "github", secret: SECRET })

const sendGithub = (tenant: string, slug: string, secret: string) =>
  Effect.gen(function* () {
    const body = JSON.stringify({ action: "opened", n: Math.random() })
    const signature = yield* Effect.promise(() => sign(secret, body))
    return yield* postWebhook<{ error?: string; message?: string }>(
      `/api/tenants/${tenant}/eventhook/in/${slug}`,
      body,
      { "x-hub-signature-256": signature, "x-github-event": "issues" }
    )
  })

/** A source repository whose box holds these keys, as another instance (or the CLI) with that configuration. */
const withKeys = (current: string | null, previous: string | null) =>
  SourceRepo.layer.pipe(
    Layer.provideMerge(
      Layer.effect(
        SecretBox,
        SecretBox.make(
          Option.fromNullishOr(current).pipe(Option.map(Redacted.make)),
          Option.fromNullishOr(previous).pipe(Option.map(Redacted.make))
        )
      )
    )
  )

const cli = (env: Record<string, string>, ...args: ReadonlyArray<string>) =>
  Effect.callback<{ code: number; stdout: string; stderr: string }>((resume) => {
    execFile(
      process.execPath,
      ["src/cli/main.node.ts", ...args],
      { env: { ...process.env, DATABASE_URL: inject("databaseUrl"), EVENTHOOK_MIGRATE: "false", ...env } },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
  })

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)), secretKey: Option.some(Redacted.make(KEY_A)) }), {
  excludeTestServices: true,
  timeout: 60_000
})("secrets at rest", (it) => {
  it.effect("a secret written through the admin API is stored encrypted, never in clear, and still verifies", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const created = yield* createGithubSource(tenant.slug)
      assert.strictEqual(created.status, 201, created.text)
      assert.notInclude(created.text, SECRET)
      const stored = yield* storedConfig(tenant.id, "gh")
      assert.notInclude(stored, SECRET)
      const envelope = JSON.parse(stored).secret
      assert.strictEqual(envelope.$encrypted, "aes-256-gcm")
      assert.match(envelope.kid, /^[0-9a-f]{8}$/)
      assert.strictEqual((yield* sendGithub(tenant.slug, "gh", SECRET)).status, 200)
      assert.strictEqual((yield* sendGithub(tenant.slug, "gh", "wrong")).status, 401)
      // Two sealings of one secret differ (a fresh nonce each time).
      yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/sources/gh/rotate-secret`, { secret: SECRET })
      assert.notStrictEqual(JSON.parse(yield* storedConfig(tenant.id, "gh")).secret.data, envelope.data)
    })
  )

  it.effect("a plaintext config inserted with SQL keeps working, and is encrypted on its next write", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "legacy", verifier_config: { type: "github", secret: SECRET } })
      assert.include(yield* storedConfig(tenant.id, "legacy"), SECRET)
      assert.strictEqual((yield* sendGithub(tenant.slug, "legacy", SECRET)).status, 200)
      const next = "gh-next-secret-never-stored-in-clear"
      const rotated = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/sources/legacy/rotate-secret`, {
        secret: next
      })
      assert.strictEqual(rotated.status, 200, rotated.text)
      const stored = yield* storedConfig(tenant.id, "legacy")
      assert.notInclude(stored, SECRET)
      assert.notInclude(stored, next)
      // Both the new secret and the previous one (kept for the rotation) verify, both sealed.
      assert.strictEqual(JSON.parse(stored).secrets[0].$encrypted, "aes-256-gcm")
      assert.strictEqual((yield* sendGithub(tenant.slug, "legacy", next)).status, 200)
      assert.strictEqual((yield* sendGithub(tenant.slug, "legacy", SECRET)).status, 200)
    })
  )

  it.effect(
    "key rotation: the previous key opens, the CLI re-encrypts under the current one, an unknown key fails closed",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createGithubSource(tenant.slug)
        yield* createSource(tenant.id, { slug: "plain", verifier_config: { type: "github", secret: SECRET } })
        const sealedUnderA = JSON.parse(yield* storedConfig(tenant.id, "gh")).secret.kid

        // An instance with B as its key and A as the previous one opens what A sealed.
        const opened = yield* Effect.flatMap(SourceRepo, (sources) =>
          sources.findBySlug(tenant.id as never, "gh")
        ).pipe(Effect.provide(withKeys(KEY_B, KEY_A)))
        const config = Option.getOrThrow(opened).verifier_config
        assert.isTrue(decodeVerifierConfig("github", config)._tag === "Success")

        // The CLI, configured with B (and A as previous), seals everything under B, the plaintext source too.
        const env = { EVENTHOOK_SECRET_KEY: KEY_B, EVENTHOOK_SECRET_KEY_PREVIOUS: KEY_A }
        const run = yield* cli(env, "secrets", "reencrypt", "-t", tenant.slug, "--json")
        assert.strictEqual(run.code, 0, run.stderr)
        const report = JSON.parse(run.stdout)
        assert.strictEqual(report.resealed, 2)
        assert.deepStrictEqual(report.unknown_key, [])
        assert.notInclude(run.stdout + run.stderr, SECRET)
        const sealedUnderB = JSON.parse(yield* storedConfig(tenant.id, "gh")).secret.kid
        assert.notStrictEqual(sealedUnderB, sealedUnderA)
        assert.notInclude(yield* storedConfig(tenant.id, "plain"), SECRET)
        assert.strictEqual(JSON.parse(yield* storedConfig(tenant.id, "plain")).secret.kid, sealedUnderB)
        // Run again: nothing left to do.
        assert.strictEqual(
          JSON.parse((yield* cli(env, "secrets", "reencrypt", "-t", tenant.slug, "--json")).stdout).resealed,
          0
        )

        // This server only has A now: the sources reject with invalid_config, and say which key is missing.
        const rejected = yield* eventually(sendGithub(tenant.slug, "gh", SECRET), (answer) => answer.status === 401, {
          every: "100 millis",
          times: 50,
          failure: "the re-encrypted source still verified under key A"
        })
        assert.strictEqual(rejected.json.message, "verification failed: invalid_config")
        const events = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/events?source=gh&status=rejected`)
        const detail = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/events/${events.json.events[0].id}`)
        assert.include(detail.json.verification_error, `encrypted under key ${sealedUnderB}`)
        assert.notInclude(detail.text, SECRET)

        // And the CLI without any key refuses to run.
        const keyless = yield* cli({}, "secrets", "reencrypt", "-t", tenant.slug)
        assert.strictEqual(keyless.code, 1)
        assert.include(keyless.stderr, "EVENTHOOK_SECRET_KEY is not set")
      })
  )

  it.effect("a tampered ciphertext stays sealed: the source rejects, it never verifies without its secret", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createGithubSource(tenant.slug)
      const sql = yield* PgClient.PgClient
      const stored = JSON.parse(yield* storedConfig(tenant.id, "gh"))
      const data = atob(stored.secret.data)
      const flipped = btoa(String.fromCharCode(data.charCodeAt(0) ^ 1) + data.slice(1))
      yield* sql`UPDATE p_eventhook__source SET verifier_config = ${sql.json({ ...stored, secret: { ...stored.secret, data: flipped } })}
        WHERE tenant_id = ${tenant.id} AND slug = 'gh'`.pipe(Effect.orDie)
      const answer = yield* eventually(sendGithub(tenant.slug, "gh", SECRET), (reply) => reply.status === 401, {
        every: "100 millis",
        times: 50,
        failure: "a tampered secret still verified"
      })
      assert.strictEqual(answer.json.message, "verification failed: invalid_config")
    })
  )
})

// Issue 17: an http target's header values and signing secrets are secrets too.
layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)), secretKey: Option.some(Redacted.make(KEY_A)) }), {
  excludeTestServices: true,
  timeout: 60_000
})("target secrets at rest", (it) => {
  const HEADER_VALUE = "Bearer destination-token-never-in-clear"
  const SIGNING = `whsec_${btoa("signing-secret-never-stored-clear")}`
  const storedTarget = (routeId: string) =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [row] = yield* sql<{ readonly config: string }>`SELECT target_config::text AS config
        FROM p_eventhook__route WHERE id = ${routeId}`
      return row?.config ?? ""
    }).pipe(Effect.orDie)

  it.effect(
    "are stored encrypted, delivered opened, re-encrypted by the CLI; one copied from a source does not open",
    () =>
      Effect.gen(function* () {
        const destination = yield* receiver()
        const tenant = yield* freshTenant
        yield* createGithubSource(tenant.slug)
        const created = yield* call("POST", `/api/tenants/${tenant.slug}/eventhook/routes`, {
          source: "gh",
          target_type: "http",
          target_config: {
            url: destination.url,
            headers: { Authorization: HEADER_VALUE },
            signing: { type: "standard_webhooks", secret: SIGNING }
          }
        })
        assert.strictEqual(created.status, 201, created.text)
        const stored = yield* storedTarget(created.json.id)
        assert.notInclude(stored, HEADER_VALUE)
        assert.notInclude(stored, SIGNING)
        assert.strictEqual(JSON.parse(stored).headers.Authorization.$encrypted, "aes-256-gcm")
        assert.strictEqual(JSON.parse(stored).signing.secret.$encrypted, "aes-256-gcm")

        assert.strictEqual((yield* sendGithub(tenant.slug, "gh", SECRET)).status, 200)
        yield* eventually(
          Effect.sync(() => destination.received.length),
          (count) => count === 1,
          { every: "25 millis", times: 200, failure: "not delivered" }
        )
        const got = destination.received[0]!
        assert.strictEqual(got.headers.authorization, HEADER_VALUE)
        new Webhook(SIGNING).verify(got.body, got.headers)

        // A plaintext route (plain SQL) is sealed by `secrets reencrypt`.
        const sql = yield* PgClient.PgClient
        const [plain] = yield* sql<{ id: string }>`
        INSERT INTO p_eventhook__route (source_id, tenant_id, name, target_type, target_config)
        SELECT id, tenant_id, 'plain http', 'http', ${sql.json({ url: destination.url, headers: { "x-key": HEADER_VALUE } })}
        FROM p_eventhook__source WHERE tenant_id = ${tenant.id} AND slug = 'gh' RETURNING id::text AS id`
        const run = yield* cli({ EVENTHOOK_SECRET_KEY: KEY_A }, "secrets", "reencrypt", "-t", tenant.slug, "--json")
        assert.strictEqual(run.code, 0, run.stderr)
        assert.strictEqual(JSON.parse(run.stdout).routes.resealed, 1)
        assert.notInclude(yield* storedTarget(plain!.id), HEADER_VALUE)
        yield* sql`DELETE FROM p_eventhook__route WHERE id = ${plain!.id}`

        // The source's sealed secret copied into the route's header (someone with write access to the database, not
        // the key): it does not open as a target secret, and nothing is sent.
        const sourceSecret = JSON.parse(yield* storedConfig(tenant.id, "gh")).secret
        yield* sql`UPDATE p_eventhook__route SET target_config = ${sql.json({
          url: destination.url,
          headers: { "x-stolen": sourceSecret }
        })} WHERE id = ${created.json.id}`
        const answer = yield* eventually(
          sendGithub(tenant.slug, "gh", SECRET).pipe(
            Effect.flatMap((sent) =>
              eventually(
                call(
                  "GET",
                  `/api/tenants/${tenant.slug}/eventhook/events/${(sent.json as { event_id: string }).event_id}`
                ),
                (event) => !["pending", "processing"].includes(event.json.status),
                { every: "25 millis", times: 200, failure: "not settled" }
              )
            )
          ),
          (event) => event.json.status === "failed",
          { every: "100 millis", times: 50, failure: "the copied envelope was sent" }
        )
        assert.include(answer.json.actions[0].error_message, "not configured")
        assert.strictEqual(destination.received.length, 1)
      })
  )
})
