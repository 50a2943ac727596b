import { existsSync } from "node:fs"
import { Effect } from "effect"
import { chromium } from "playwright-core"
import { createRunSource, withSql } from "./database.ts"
import { startEventhook, stop } from "./processes.ts"
import { round } from "./statistics.ts"

// The dashboard's figures (issue 20): the payload search on a million stored events, and how soon the events view
// shows its first rows with 10,000 events, in Debian's Chromium. The history is written in SQL: a million rows
// spread over 30 days of `received_at`, which no API can do (received_at is the database's clock at ingest).

const TOKEN = "bench-admin-token"
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

const median = (values: ReadonlyArray<number>) =>
  round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!, 1)

/** `count` delivered GitHub-like events over the last `days`, newest first in time, customers cus_0…cus_9999. */
const history = (url: string, run: { tenantId: string; sourceId: string }, count: number, days: number) =>
  withSql(url, 1, (sql) =>
    sql`INSERT INTO p_eventhook__event (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
                                        event_type, status, verified, received_at, processed_at)
        SELECT ${run.tenantId}::uuid, ${run.sourceId}::uuid, 'application/json', convert_to(p::text, 'UTF8'), p,
               '{"x-github-event": "issues"}'::jsonb, 'issues', 'delivered', true, at, at
        FROM generate_series(1, ${count}) AS g,
             LATERAL (SELECT jsonb_build_object('action', 'opened', 'data', jsonb_build_object('object',
                        jsonb_build_object('customer', 'cus_' || (g % 10000), 'amount', g))) AS p,
                             now() - (g * ${(days * 86_400) / count} * interval '1 second') AS at) AS row`.pipe(
      Effect.andThen(sql`VACUUM (ANALYZE) p_eventhook__event`)
    )
  )

const timed = async (url: string) => {
  const started = performance.now()
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
  const body = (await response.json()) as { events?: ReadonlyArray<unknown> }
  if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(body)}`)
  return { ms: performance.now() - started, found: body.events?.length ?? 0 }
}

export const dashboardFigures = async (databaseUrl: string) => {
  const service = await startEventhook(databaseUrl, { EVENTHOOK_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "error" })
  try {
    const base = `http://127.0.0.1:${service.port}`
    // Payload search on 1,000,000 events ------------------------------------------------------------------------
    const big = await createRunSource(databaseUrl, "dashboard-search")
    const loadStarted = performance.now()
    await history(databaseUrl, big, 1_000_000, 30)
    const loadSeconds = round((performance.now() - loadStarted) / 1000, 1)
    const search: Record<string, unknown> = {}
    for (const [window, hours] of [
      ["1h", 1],
      ["1d", 24],
      ["7d", 168],
      ["30d", 720]
    ] as const) {
      const since = new Date(Date.now() - hours * 3_600_000).toISOString()
      const query = (extra: Record<string, string>) =>
        `${base}/api/tenants/dashboard-search/eventhook/events?${new URLSearchParams({ since, limit: "50", ...extra })}`
      const runs = { contains: [] as Array<number>, path: [] as Array<number>, found: 0 }
      for (let repeat = 0; repeat < 5; repeat++) {
        const contains = await timed(query({ payload_contains: '{"data":{"object":{"customer":"cus_4242"}}}' }))
        const path = await timed(query({ payload_path: "body.data.object.customer", payload_value: "cus_4242" }))
        runs.contains.push(contains.ms)
        runs.path.push(path.ms)
        runs.found = contains.found
      }
      search[window] = {
        contains_ms: median(runs.contains),
        path_equals_ms: median(runs.path),
        events_found: runs.found
      }
    }

    // The events view with 10,000 events ------------------------------------------------------------------------
    const view = await createRunSource(databaseUrl, "dashboard-view")
    await history(databaseUrl, view, 10_000, 1)
    let firstRows: Record<string, unknown> = { skipped: `no Chromium at ${CHROMIUM}` }
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] })
      try {
        const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
        await context.addInitScript(
          ([token, tenant]) => {
            sessionStorage.setItem("eventhook.token", token!)
            sessionStorage.setItem("eventhook.tenant", tenant!)
          },
          [TOKEN, "dashboard-view"]
        )
        const page = await context.newPage()
        const paints: Array<number> = []
        for (let repeat = 0; repeat < 6; repeat++) {
          await page.goto("about:blank")
          await page.goto(`${base}/ui/#/events`)
          await page.waitForSelector("table.event-list tbody tr")
          paints.push(await page.evaluate(() => performance.now()))
        }
        firstRows = {
          events: 10_000,
          cold_ms: round(paints[0]!, 1),
          warm_median_ms: median(paints.slice(1)),
          runs_ms: paints.map((ms) => round(ms, 1))
        }
      } finally {
        await browser.close()
      }
    }
    return {
      payload_search: { events: 1_000_000, days: 30, load_seconds: loadSeconds, ...search },
      first_rows: firstRows
    }
  } finally {
    await stop(service.child)
  }
}
