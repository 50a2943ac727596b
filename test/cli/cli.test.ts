import { execFile } from "node:child_process"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import Stripe from "stripe"
import { inject } from "vitest"
import { EventhookCore } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { postWebhook } from "../support/http.ts"
import { eventually, TestServer } from "../support/TestLayers.ts"

// Issue 6: the CLI run as a user runs it (spawned, against the run's real database), while an in-process
// Eventhook receives the webhooks and processes what the CLI hands it.

const SECRET = "whsec_cli_secret_never_printed"
const NEXT = "whsec_cli_next_secret_never_printed"
const stripe = new Stripe("sk_test_unit")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const eventhook = (...args: ReadonlyArray<string>) =>
  Effect.callback<Run>((resume) => {
    execFile(
      process.execPath,
      ["src/cli/main.node.ts", ...args],
      {
        env: { ...process.env, DATABASE_URL: inject("databaseUrl"), EVENTHOOK_MIGRATE: "false", LOG_LEVEL: "info" },
        encoding: "buffer"
      },
      (error, stdout, stderr) =>
        resume(
          Effect.succeed({
            code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
            stdout: stdout.toString("utf8"),
            stderr: stderr.toString("utf8")
          })
        )
    )
  })

const ok = (...args: ReadonlyArray<string>) =>
  eventhook(...args).pipe(
    Effect.tap((run) => Effect.sync(() => assert.strictEqual(run.code, 0, `${args.join(" ")}\n${run.stderr}`)))
  )
const okJson = (...args: ReadonlyArray<string>) =>
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the CLI's JSON as it comes and asserts on it
  Effect.map(ok(...args, "--json"), (run) => JSON.parse(run.stdout) as any)

const sendStripe = (tenant: string, payload: string, secret: string) =>
  postWebhook<{ event_id?: string }>(`/api/tenants/${tenant}/eventhook/in/stripe`, payload, {
    "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret })
  })

const eventStatus = (tenant: string, id: string, wanted: string) =>
  eventually(okJson("events", "show", id, "-t", tenant), (event) => event.status === wanted, {
    every: "200 millis",
    times: 50,
    failure: `event ${id} is not ${wanted}`
  })

const App = EventhookCore.pipe(Layer.provide(PgHost), Layer.provideMerge(TestServer()))

layer(App, { excludeTestServices: true, timeout: 120_000 })("eventhook CLI", (it) => {
  it.effect(
    "sets up a tenant, a Stripe source and a workflow route, finds and replays an event, rotates the secret",
    () =>
      Effect.gen(function* () {
        const tenant = `cli-${Date.now().toString(36)}`
        const created = yield* ok("tenant", "create", tenant, "--name", "CLI Inc.")
        assert.include(created.stdout, `tenant ${tenant} created`)
        const tenants = yield* okJson("tenant", "list")
        assert.include(
          tenants.map((t: { slug: string }) => t.slug),
          tenant
        )

        const source = yield* ok("source", "create", "stripe", "-t", tenant, "--provider", "stripe", "--secret", SECRET)
        assert.include(source.stdout, `ingest URL: `)
        assert.include(source.stdout, `/api/tenants/${tenant}/eventhook/in/stripe`)
        const shown = yield* ok("source", "show", "stripe", "-t", tenant)
        assert.match(shown.stdout, /verifier_type:\s+stripe/)

        // An event before the route: unrouted, replayed below.
        const early = yield* sendStripe(tenant, '{"id":"evt_a","type":"invoice.paid"}', SECRET)
        assert.strictEqual(early.status, 200)
        yield* eventStatus(tenant, early.json.event_id!, "unrouted")

        const route = yield* okJson(
          "route",
          "create",
          "-t",
          tenant,
          "--source",
          "stripe",
          "--target",
          "workflow",
          "--workflow-kind",
          "invoice-paid",
          "--event-types",
          "invoice.paid",
          "--name",
          "invoices"
        )
        assert.deepStrictEqual(route.target_config, { workflow_kind: "invoice-paid" })
        assert.deepStrictEqual(route.filter_event_types, ["invoice.paid"])
        const routes = yield* ok("route", "list", "-t", tenant)
        assert.include(routes.stdout, route.id)
        assert.include(routes.stdout, "invoices")

        const payload = '{"id":"evt_b","type":"invoice.paid","amount":1200}'
        const sent = yield* sendStripe(tenant, payload, SECRET)
        const delivered = yield* eventStatus(tenant, sent.json.event_id!, "delivered")
        assert.strictEqual(delivered.actions[0].status, "success")

        const listed = yield* okJson("events", "list", "-t", tenant, "--source", "stripe", "--status", "delivered")
        assert.deepStrictEqual(
          listed.events.map((e: { id: string }) => e.id),
          [sent.json.event_id]
        )
        const human = yield* ok("events", "show", sent.json.event_id!, "-t", tenant)
        assert.include(human.stdout, "stripe-signature: t=")
        assert.include(human.stdout, '"amount": 1200')
        assert.include(human.stdout, "success")
        const raw = yield* ok("events", "payload", sent.json.event_id!, "-t", tenant)
        assert.strictEqual(raw.stdout, payload)

        const replay = yield* ok("events", "reprocess", "-t", tenant, "--status", "unrouted", "--limit", "10")
        assert.include(replay.stdout, "1 event(s) back to pending")
        // The CLI hands the event to the running service, whose sweeper processes it.
        yield* eventStatus(tenant, early.json.event_id!, "delivered")

        const rotated = yield* ok("source", "rotate-secret", "stripe", "-t", tenant, "--secret", NEXT)
        assert.include(rotated.stdout, "2 secret(s) now accepted")
        assert.strictEqual((yield* sendStripe(tenant, '{"id":"evt_c","type":"x"}', NEXT)).status, 200)
        yield* ok("source", "rotate-secret", "stripe", "-t", tenant, "--secret", NEXT, "--drop-previous")
        assert.strictEqual((yield* sendStripe(tenant, '{"id":"evt_d","type":"x"}', SECRET)).status, 401)

        const rejected = yield* okJson("events", "list", "-t", tenant, "--status", "rejected")
        assert.strictEqual(rejected.events.length, 1)
        yield* ok("source", "rotate-secret", "stripe", "-t", tenant, "--secret", SECRET)
        const reverified = yield* okJson("events", "reverify", rejected.events[0].id, "-t", tenant)
        assert.deepStrictEqual(reverified.promoted, [rejected.events[0].id])

        yield* ok("route", "disable", route.id, "-t", tenant)
        assert.strictEqual((yield* okJson("route", "show", route.id, "-t", tenant)).is_enabled, false)
        yield* ok("route", "delete", route.id, "-t", tenant)
        yield* ok("source", "disable", "stripe", "-t", tenant)
        assert.strictEqual((yield* sendStripe(tenant, '{"id":"evt_e"}', SECRET)).status, 404)

        const everything = [created, source, shown, routes, human, rotated].map((run) => run.stdout + run.stderr)
        for (const text of everything) {
          assert.notInclude(text, SECRET)
          assert.notInclude(text, NEXT)
        }
      }),
    120_000
  )

  it.effect(
    "routes with a CEL filter and transform: refused with the position, changed, and dry-run against history",
    () =>
      Effect.gen(function* () {
        const tenant = `cli-cel-${Date.now().toString(36)}`
        yield* ok("tenant", "create", tenant)
        yield* ok("source", "create", "stripe", "-t", tenant, "--provider", "stripe", "--secret", SECRET)
        const route = (...flags: ReadonlyArray<string>) =>
          eventhook("route", "create", "-t", tenant, "--source", "stripe", "--target", "workflow", ...flags)
        const refused = yield* route("--workflow-kind", "big", "--filter", "body.data.object.amount >=")
        assert.strictEqual(refused.code, 1)
        assert.match(refused.stderr, /^error: filter: line 1, column 27: /m)

        for (const amount of [500, 250_000]) {
          const payload = JSON.stringify({
            id: `evt_${amount}`,
            type: "charge.succeeded",
            data: { object: { amount, customer: "cus_1" } }
          })
          const sent = yield* sendStripe(tenant, payload, SECRET)
          yield* eventStatus(tenant, sent.json.event_id!, "unrouted")
        }
        const dryRun = yield* ok(
          "route",
          "test",
          "-t",
          tenant,
          "--source",
          "stripe",
          "--filter",
          "body.data.object.amount >= 100000",
          "--transform",
          '{"customer": body.data.object.customer, "cents": body.data.object.amount}'
        )
        assert.include(dryRun.stdout, "1 of 2 events of stripe would match (1 not, 0 skipped")
        assert.include(dryRun.stdout, '{"customer":"cus_1","cents":250000}')
        assert.include(dryRun.stdout, "the filter is false")

        const created = yield* Effect.map(
          route("--workflow-kind", "big", "--filter", "body.data.object.amount >= 100000", "--json"),
          (run) => JSON.parse(run.stdout)
        )
        assert.strictEqual(created.filter, "body.data.object.amount >= 100000")
        const changed = yield* okJson(
          "route",
          "update",
          created.id,
          "-t",
          tenant,
          "--filter",
          "",
          "--transform",
          '{"cents": body.data.object.amount}'
        )
        assert.strictEqual(changed.filter, null)
        assert.strictEqual(changed.transform, '{"cents": body.data.object.amount}')
      }),
    120_000
  )

  it.effect(
    "refuses bad input with one clear line on stderr and exit code 1",
    () =>
      Effect.gen(function* () {
        const badSlug = yield* eventhook("tenant", "create", "Not A Slug")
        assert.strictEqual(badSlug.code, 1)
        assert.match(badSlug.stderr, /^error: slug: /m)
        const tenant = `cli-bad-${Date.now().toString(36)}`
        yield* ok("tenant", "create", tenant)
        const incomplete = yield* eventhook(
          "source",
          "create",
          "sq",
          "-t",
          tenant,
          "--provider",
          "square",
          "--secret",
          "x"
        )
        assert.strictEqual(incomplete.code, 1)
        assert.include(incomplete.stderr, "verifier_config.notification_url")
        const missingTenant = yield* eventhook("source", "list", "-t", `${tenant}-missing`)
        assert.strictEqual(missingTenant.code, 1)
        assert.include(missingTenant.stderr, "not found")
        const migrate = yield* ok("migrate")
        assert.include(migrate.stdout, "up to date")
      }),
    120_000
  )
})
