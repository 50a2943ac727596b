import { existsSync, mkdirSync } from "node:fs"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect, Option, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { createRoute, createSource, eventually, freshTenant, settledEvent, TestServer } from "../support/TestLayers.ts"

// Issue 20: the dashboard in a real browser — Debian's Chromium driven by playwright-core (no browser download) —
// against a real service and database. A screenshot of each main view is saved in test-results/ui/.

// The browser's globals, for the functions `page.evaluate` runs in the page (this file is type-checked without the
// DOM library; these declarations are this module's own).
// biome-ignore lint/suspicious/noExplicitAny: as the page has them
declare const window: any
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const document: any
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const location: any
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const sessionStorage: any
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const localStorage: any

const TOKEN = "admin-token-for-the-dashboard"
const call = callWith(`Bearer ${TOKEN}`)
const GITHUB_SECRET = "github-secret-for-the-dashboard"
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const SHOTS = new URL("../../test-results/ui/", import.meta.url)

let browser: Browser
let page: Page
/** What ran that should not have: dialogs, page errors, and the hostile payloads' marker. */
const incidents: Array<string> = []

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
  mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] })
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
  // Copy buttons write to the clipboard.
  await context.grantPermissions(["clipboard-read", "clipboard-write"])
  page = await context.newPage()
  page.on("dialog", (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on("pageerror", (error) => incidents.push(`page error: ${error.message}`))
})
afterAll(async () => {
  await browser?.close()
})

const ui = <A>(run: (page: Page) => Promise<A>) =>
  Effect.promise(() => {
    if (process.env.UI_DEBUG)
      console.log("UI step", new Date().toISOString().slice(11, 23), run.toString().slice(0, 80))
    return run(page)
  })
const shot = (name: string) => ui((p) => p.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true }))

const serverUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "UnixPathAddress" ? "" : `http://127.0.0.1:${server.address.port}`
)

const signedGithub = (tenant: string, body: string, delivery: string, event = "issues", secret = GITHUB_SECRET) =>
  Effect.flatMap(
    Effect.promise(() => sign(secret, body)),
    (signature) =>
      postWebhook<{ event_id: string }>(`/api/tenants/${tenant}/eventhook/in/github`, body, {
        "x-hub-signature-256": signature,
        "x-github-event": event,
        "x-github-delivery": delivery
      })
  )

/** Loads a view afresh (signing in if the tab has no token yet) with the tenant picked in the header's chooser. */
const open = (tenant: string, hash: string) =>
  Effect.flatMap(serverUrl, (base) =>
    ui(async (p) => {
      // A new document each time (a change of fragment alone would keep the page's tenant list as it was).
      await p.goto("about:blank")
      await p.goto(`${base}/ui/${hash}`)
      const form = await p.waitForSelector('header select, input[name="token"]')
      if ((await form.getAttribute("name")) === "token") {
        await p.fill('input[name="token"]', TOKEN)
        await p.click('button[type="submit"]')
        await p.waitForSelector("header select")
      }
      await p.selectOption("header select", tenant)
    })
  )

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true, timeout: 120_000 })(
  "the dashboard in Chromium",
  (it) => {
    it.effect("signs in, shows a GitHub event arriving live, its payload and workflow action, and the overview", () =>
      Effect.gen(function* () {
        const base = yield* serverUrl
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secret: GITHUB_SECRET },
          idempotency_key_paths: ["header.x-github-delivery"]
        })
        yield* createRoute(tenant.id, sourceId, {
          name: "issues to triage",
          target_type: "workflow",
          target_config: { workflow_kind: "triage-issue" }
        })

        // The page is served with a strict policy, and its hashed assets for good.
        const index = yield* call("GET", "/ui/", undefined, null)
        assert.strictEqual(index.status, 200)
        assert.include(index.headers["content-security-policy"], "script-src 'self'")
        assert.include(index.headers["content-security-policy"], "frame-ancestors 'none'")
        assert.notInclude(index.text, "<script>")
        const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(index.text)![1]!
        const script = yield* call("GET", asset, undefined, null)
        assert.strictEqual(script.headers["cache-control"], "public, max-age=31536000, immutable")

        // Sign in: a wrong token is refused, the right one kept for the tab only.
        yield* ui((p) => p.goto(`${base}/ui/`))
        yield* ui((p) => p.fill('input[name="token"]', "wrong-token"))
        yield* ui((p) => p.click('button[type="submit"]'))
        yield* ui((p) => p.waitForSelector(".problem"))
        yield* ui((p) => p.fill('input[name="token"]', TOKEN))
        yield* ui((p) => p.click('button[type="submit"]'))
        yield* ui((p) => p.waitForSelector("header select"))
        const stored = yield* ui((p) =>
          p.evaluate(() => {
            return [sessionStorage.length, localStorage.length, location.href]
          })
        )
        assert.strictEqual(stored[1], 0)
        assert.notInclude(String(stored[2]), TOKEN)

        // Live: the events view follows the stream; a signed delivery appears without a reload.
        yield* open(tenant.slug, "#/events")
        yield* ui((p) => p.check('input[name="live"]'))
        yield* ui((p) => p.waitForSelector(".live-state.open"))
        const body = JSON.stringify({ action: "opened", issue: { number: 1347, title: "Found a bug" } })
        const sent = yield* signedGithub(tenant.slug, body, "delivery-live-1")
        assert.strictEqual(sent.status, 200)
        const eventId = sent.json.event_id
        yield* ui((p) => p.waitForSelector(`tr.live-row[data-event-id="${eventId}"]`))
        yield* shot("events-live")

        // Its detail: the payload as a tree, the workflow action that ran.
        yield* settledEvent(tenant.id, eventId)
        yield* ui((p) => p.click(`a[href="#/events/${eventId}"]`))
        yield* ui((p) => p.waitForSelector(".json-tree"))
        const tree = yield* ui((p) => p.textContent(".json-tree"))
        assert.include(tree, '"Found a bug"')
        assert.include(tree, "1347")
        const action = yield* ui((p) => p.textContent("tr.action-row"))
        assert.include(action, "issues to triage")
        assert.include(action, "workflow")
        assert.include(action, "success")
        const timeline = yield* ui((p) => p.textContent(".timeline"))
        assert.include(timeline, "Verified with secret #0")
        yield* shot("event-detail")

        // The overview counts it, and draws the rate.
        yield* open(tenant.slug, "#/overview")
        yield* ui((p) => p.waitForSelector(".overview table"))
        yield* ui((p) => p.waitForSelector(".chart svg rect.bar"))
        // One request in the last 15 minutes: one bar, in the last bucket.
        assert.deepStrictEqual(yield* ui((p) => p.$$eval(".overview > .chart svg rect.bar", (bars) => bars.length)), 1)
        const overview = yield* ui((p) => p.textContent(".overview table"))
        assert.include(overview, "github")
        yield* shot("overview")
      })
    )

    it.effect("reprocesses a failed event once confirmed", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secret: GITHUB_SECRET },
          idempotency_key_paths: []
        })
        // A transform that fails: the event fails for good, until the route is fixed and the event reprocessed.
        const routeId = yield* createRoute(tenant.id, sourceId, {
          name: "needs a note",
          target_type: "workflow",
          target_config: { workflow_kind: "noted" },
          transform: '{"note": body.note}'
        })
        const sent = yield* signedGithub(tenant.slug, '{"action":"closed"}', "delivery-failing")
        assert.strictEqual((yield* settledEvent(tenant.id, sent.json.event_id)).status, "failed")
        yield* call("PATCH", `/api/tenants/${tenant.slug}/eventhook/routes/${routeId}`, { transform: null })

        yield* open(tenant.slug, `#/events/${sent.json.event_id}`)
        yield* ui((p) => p.waitForSelector("h1 .status-failed"))
        yield* ui((p) => p.click('button:has-text("Reprocess")'))
        // Nothing happens before the confirmation.
        yield* ui((p) => p.waitForSelector(".confirm"))
        assert.strictEqual((yield* settledEvent(tenant.id, sent.json.event_id)).status, "failed")
        yield* ui((p) => p.click('.confirm button:has-text("Yes, reprocess")'))
        yield* eventually(
          ui((p) => p.reload().then(() => p.waitForSelector("h1 .status").then((badge) => badge?.textContent()))),
          (status) => status === "delivered",
          { every: "200 millis", times: 50, failure: "the reprocessed event was not shown delivered" }
        )
      })
    )

    it.effect("rotates a source's secret, showing which secret recent requests verified with", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secret: GITHUB_SECRET },
          idempotency_key_paths: ["header.x-github-delivery"]
        })
        yield* signedGithub(tenant.slug, '{"zen":"x"}', "delivery-before-rotation")
        yield* open(tenant.slug, "#/sources")
        yield* ui((p) => p.waitForSelector('article[data-source="github"]'))
        assert.include(yield* ui((p) => p.textContent(".secret-mix")), "secret #0: 1")
        yield* ui((p) => p.click('article[data-source="github"] button:has-text("Rotate secret")'))
        yield* ui((p) => p.fill('.rotate input[name="secret"]', "the-new-github-secret"))
        yield* ui((p) => p.click('.rotate button:has-text("Rotate")'))
        yield* ui((p) => p.click('.rotate .confirm button:has-text("Yes, rotate")'))
        yield* ui((p) => p.waitForSelector(".rotate", { state: "detached" }))
        yield* shot("sources")
        // Both secrets verify during the overlap; the new one first.
        assert.strictEqual(
          (yield* signedGithub(tenant.slug, '{"zen":"y"}', "after-1", "issues", "the-new-github-secret")).status,
          200
        )
        assert.strictEqual((yield* signedGithub(tenant.slug, '{"zen":"z"}', "after-2")).status, 200)
        assert.strictEqual((yield* signedGithub(tenant.slug, '{"zen":"w"}', "after-3", "issues", "nope")).status, 401)
      })
    )

    it.effect("creates a route: the API's validation message is shown at the field, then the fix saves", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "github", verifier_config: { type: "none" }, idempotency_key_paths: [] })
        yield* open(tenant.slug, "#/routes")
        yield* ui((p) => p.click('button:has-text("New route")'))
        yield* ui((p) => p.fill('.route-form input[name="name"]', "urgent pull requests"))
        yield* ui((p) => p.fill('.route-form textarea[name="target_config"]', "{}"))
        yield* ui((p) => p.fill('.route-form textarea[name="filter"]', 'body.labels.exists(l, l == "urgent") &&'))
        yield* ui((p) => p.click('.route-form button:has-text("Save")'))
        const targetError = yield* ui((p) =>
          p
            .waitForSelector('.route-form label:has(textarea[name="target_config"]) .field-error')
            .then((e) => e!.textContent())
        )
        assert.match(targetError!, /^target_config\.workflow_kind/)
        yield* ui((p) => p.fill('.route-form textarea[name="target_config"]', '{"workflow_kind": "urgent-pr"}'))
        yield* ui((p) => p.click('.route-form button:has-text("Save")'))
        const filterError = yield* ui((p) =>
          p.waitForSelector('.route-form label:has(textarea[name="filter"]) .field-error').then((e) => e!.textContent())
        )
        assert.match(filterError!, /^filter: line 1, column \d+: /)
        yield* shot("routes-validation")
        yield* ui((p) => p.fill('.route-form textarea[name="filter"]', 'body.labels.exists(l, l == "urgent")'))
        yield* ui((p) => p.click('.route-form button:has-text("Save")'))
        yield* ui((p) => p.waitForSelector('tr[data-route="urgent pull requests"]'))
        yield* shot("routes")
        const routes = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/routes`)
        assert.deepInclude(routes.json[0], {
          name: "urgent pull requests",
          target_config: { workflow_kind: "urgent-pr" },
          filter: 'body.labels.exists(l, l == "urgent")'
        })
      })
    )

    it.effect(
      "creates a source from a preset, tests a request, searches payloads, and bulk-reprocesses with a count",
      () =>
        Effect.gen(function* () {
          const tenant = yield* freshTenant
          yield* open(tenant.slug, "#/sources")
          yield* ui((p) => p.click('button:has-text("New source")'))
          yield* ui((p) => p.selectOption('.create-source select[name="provider"]', "github"))
          // The GitHub preset asks for its secret, nothing it does not need.
          const asked = yield* ui((p) =>
            p.$$eval(".create-source input", (inputs) => inputs.map((input) => (input as { name: string }).name))
          )
          assert.deepStrictEqual(asked, ["slug", "secret"])
          yield* ui((p) => p.fill('.create-source input[name="slug"]', "github"))
          yield* ui((p) => p.fill('.create-source input[name="secret"]', GITHUB_SECRET))
          yield* ui((p) => p.click('.create-source button:has-text("Create")'))
          yield* ui((p) => p.waitForSelector('article[data-source="github"]'))
          const url = yield* ui((p) => p.textContent('article[data-source="github"] .ingest-url code'))
          assert.include(url, `/api/tenants/${tenant.slug}/eventhook/in/github`)

          // The tester: a request signed with the source's secret verifies; one that is not says why.
          const body = '{"action":"opened","issue":{"number":7}}'
          const signature = yield* Effect.promise(() => sign(GITHUB_SECRET, body))
          yield* ui((p) => p.click('article[data-source="github"] button:has-text("Test a request")'))
          yield* ui((p) =>
            p.fill(".tester textarea >> nth=0", `x-github-event: issues\nx-hub-signature-256: ${signature}`)
          )
          yield* ui((p) => p.fill(".tester textarea >> nth=1", body))
          yield* ui((p) => p.click('.tester button:has-text("Test")'))
          const verified = yield* ui((p) => p.waitForSelector(".report").then((report) => report.textContent()))
          assert.include(verified, "yes (secret #0)")
          assert.include(verified, "issues")
          yield* ui((p) =>
            p.fill(".tester textarea >> nth=0", "x-github-event: issues\nx-hub-signature-256: sha256=00")
          )
          yield* ui((p) => p.click('.tester button:has-text("Test")'))
          yield* ui((p) => p.waitForSelector('.report dd.bad:has-text("signature")'))

          // Three unrouted events, one of them for customer cus_7.
          const ids: Array<string> = []
          for (const customer of ["cus_5", "cus_7", "cus_9"]) {
            const sent = yield* signedGithub(tenant.slug, JSON.stringify({ customer }), `d-${customer}`)
            ids.push(sent.json.event_id)
          }
          for (const id of ids) yield* settledEvent(tenant.id, id)
          const since = new Date(Date.now() - 3_600_000).toISOString()
          yield* open(
            tenant.slug,
            `#/events?since=${encodeURIComponent(since)}&payload_contains=${encodeURIComponent('{"customer":"cus_7"}')}`
          )
          yield* ui((p) => p.waitForSelector(`tr[data-event-id="${ids[1]}"]`))
          assert.strictEqual(yield* ui((p) => p.$$eval("table.event-list tbody tr", (rows) => rows.length)), 1)

          // Bulk: the count first, then the confirmation.
          yield* open(tenant.slug, "#/events?status=unrouted")
          assert.strictEqual(yield* ui((p) => p.inputValue('select[name="status"]')), "unrouted")
          yield* ui((p) => p.click('button:has-text("Reprocess matching")'))
          yield* ui((p) => p.waitForSelector('.bulk button:has-text("Reprocess 3")'))
          yield* shot("events-bulk")
          yield* ui((p) => p.click('.bulk button:has-text("Reprocess 3")'))
          yield* ui((p) => p.click('.bulk .confirm button:has-text("Yes, reprocess 3")'))
          yield* ui((p) => p.waitForSelector('.bulk .done:has-text("3 events reprocessed")'))
        })
    )

    it.effect("renders hostile payloads and headers as text: nothing in them runs", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, {
          slug: "github",
          verifier_config: { type: "github", secret: GITHUB_SECRET },
          idempotency_key_paths: ["body.id"]
        })
        const attacks = [
          "<script>window.__pwned = 'script'</script>",
          "<img src=x onerror=\"window.__pwned = 'img'\">",
          "javascript:window.__pwned='url'",
          "<svg onload=\"window.__pwned = 'svg'\"></svg>",
          '"><iframe src="javascript:parent.__pwned=1"></iframe>',
          "{{constructor.constructor('window.__pwned=1')()}}"
        ]
        yield* createRoute(tenant.id, sourceId, {
          name: attacks[1]!,
          target_type: "workflow",
          target_config: { workflow_kind: attacks[0]! }
        })
        const ids: Array<string> = []
        for (const [index, attack] of attacks.entries()) {
          const body = JSON.stringify({
            id: `${attack}-${index}`,
            [attack]: attack,
            action: attack,
            url: attack,
            nested: { [attack]: [attack, { html: attack }] }
          })
          const signature = yield* Effect.promise(() => sign(GITHUB_SECRET, body))
          const answer = yield* postWebhook<{ event_id: string }>(
            `/api/tenants/${tenant.slug}/eventhook/in/github`,
            body,
            {
              "x-hub-signature-256": signature,
              "x-github-event": attack,
              "x-github-delivery": attack,
              "x-custom-header": attack
            }
          )
          assert.strictEqual(answer.status, 200)
          ids.push(answer.json.event_id)
        }
        // And one that fails verification: its error and headers are shown too.
        yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/github`, `{"a":"${attacks[0]}"}`, {
          "x-hub-signature-256": "sha256=00",
          "x-github-event": attacks[2]!
        })
        for (const id of ids) yield* settledEvent(tenant.id, id)

        const visit = (hash: string, ready: string) =>
          Effect.andThen(
            open(tenant.slug, hash),
            ui((p) => p.waitForSelector(ready))
          )
        yield* visit("#/events", "table.event-list tbody tr")
        yield* ui((p) => p.check('input[name="live"]'))
        yield* ui((p) => p.waitForSelector(".live-state.open"))
        yield* visit("#/overview", ".overview table")
        yield* visit("#/sources", 'article[data-source="github"]')
        yield* visit("#/routes", "tr[data-route]")
        // The first (the <script> one) last, so the page checked below shows it.
        for (const id of [...ids].reverse()) {
          yield* visit(`#/events/${id}`, ".json-tree")
          // Open every branch of the tree.
          yield* ui(async (p) => {
            for (let round = 0; round < 10; round++) {
              const closed = await p.$$('.json-tree button.toggle[aria-expanded="false"]')
              if (closed.length === 0) break
              for (const toggle of closed) await toggle.click()
            }
          })
        }
        yield* shot("hostile-event")
        const state = yield* ui((p) =>
          p.evaluate(() => {
            return {
              pwned: window.__pwned ?? null,
              scripts: document.querySelectorAll("script").length,
              injected: document.querySelectorAll(
                "#app img, #app iframe, #app svg[onload], #app [onerror], #app [onload]"
              ).length,
              javascriptLinks: [...document.querySelectorAll("a")].filter((a: { href: string }) =>
                a.href.startsWith("javascript:")
              ).length,
              shownAsText: (document.body.textContent ?? "").includes("<script>window.__pwned = 'script'</script>")
            }
          })
        )
        assert.deepStrictEqual(state, {
          pwned: null,
          scripts: 1,
          injected: 0,
          javascriptLinks: 0,
          shownAsText: true
        })
        assert.deepStrictEqual(incidents, [])
      })
    )

    it.effect("shows the workflow run by a route in the database it recorded", () =>
      // A check on the fixtures above, so a broken PgHost cannot pass the browser tests vacuously.
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const rows = yield* sql<{ count: number }>`SELECT count(*)::int AS count FROM workflow_execution
            WHERE kind = 'triage-issue'`.pipe(Effect.orDie)
        assert.isAbove(rows[0]!.count, 0)
      })
    )
  }
)

layer(TestServer(), { excludeTestServices: true })("the dashboard without an admin token", (it) => {
  it.effect("is off, as the admin API is", () =>
    Effect.gen(function* () {
      for (const path of ["/ui", "/ui/", "/ui/assets/x.js"]) {
        const answer = yield* call("GET", path, undefined, null)
        assert.strictEqual(answer.status, 404, path)
        assert.strictEqual(answer.json.error, "not_found")
      }
    })
  )
})
