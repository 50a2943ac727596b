// `npm run check:ops` (issue 19; CI runs it after installing Debian's `prometheus` package, which has promtool):
// the alert rules checked and unit-tested, and `promtool check metrics` on a scrape of the running service after
// a few webhooks went through it.

import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const promtool = (args: ReadonlyArray<string>, input?: string) =>
  execFileSync("promtool", args, { cwd: join(root, "ops/prometheus"), input, stdio: ["pipe", "inherit", "inherit"] })

try {
  execFileSync("promtool", ["--version"], { stdio: "ignore" })
} catch {
  console.error("check:ops needs promtool: apt-get install prometheus (Debian), or a Prometheus release")
  process.exit(1)
}

promtool(["check", "rules", "eventhook-alerts.yml"])
promtool(["test", "rules", "eventhook-alerts.test.yml"])

// Every query of the Grafana dashboard parses as PromQL: each becomes a recording rule that promtool checks (the
// dashboard's variables replaced by what Grafana would put there).
const dashboard = JSON.parse(readFileSync(join(root, "ops/grafana/eventhook-dashboard.json"), "utf8")) as {
  panels: Array<{ targets: Array<{ expr: string }> }>
}
const queries = dashboard.panels.flatMap((panel) =>
  panel.targets.map((target) => target.expr.replaceAll("$source", ".*"))
)
const rulesDir = mkdtempSync(join(tmpdir(), "eventhook-dashboard-"))
writeFileSync(
  join(rulesDir, "dashboard.yml"),
  `groups:\n  - name: dashboard\n    rules:\n${queries
    .map((expr, index) => `      - record: dashboard:query_${index}\n        expr: ${JSON.stringify(expr)}\n`)
    .join("")}`
)
promtool(["check", "rules", join(rulesDir, "dashboard.yml")])
rmSync(rulesDir, { recursive: true, force: true })

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

const dataDir = mkdtempSync(join(tmpdir(), "eventhook-ops-"))
const [port, metricsPort] = [await freePort(), await freePort()]
const service = spawn(process.execPath, [join(root, "src/main.node.ts")], {
  env: {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    EVENTHOOK_METRICS_PORT: String(metricsPort),
    EVENTHOOK_DATA_DIR: dataDir,
    EVENTHOOK_ADMIN_TOKEN: "check-ops",
    LOG_LEVEL: "warn"
  },
  stdio: ["ignore", "pipe", "inherit"]
})
try {
  await new Promise<void>((resolve, reject) => {
    let output = ""
    service.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("eventhook listening on")) resolve()
    })
    service.on("exit", (code) => reject(new Error(`the service exited with ${code}`)))
  })
  const base = `http://127.0.0.1:${port}`
  const admin = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: "Bearer check-ops", "content-type": "application/json" },
      body: JSON.stringify(body)
    })
  await admin("/api/eventhook/tenants", { slug: "ops" })
  await admin("/api/tenants/ops/eventhook/sources", { slug: "open", verifier_config: { type: "none" } })
  await admin("/api/tenants/ops/eventhook/routes", {
    source: "open",
    target_type: "workflow",
    target_config: { workflow_kind: "ops" }
  })
  for (const body of ['{"n":1}', '{"n":2}', "{not json"])
    await fetch(`${base}/api/tenants/ops/eventhook/in/open`, { method: "POST", body })
  await fetch(`${base}/api/tenants/ops/eventhook/in/missing`, { method: "POST", body: "{}" })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  promtool(["check", "metrics"], scrape)
  console.log(`check:ops: rules checked and tested; a scrape of ${scrape.split("\n").length} lines passes promtool`)
} finally {
  service.kill("SIGTERM")
  await new Promise((resolve) => service.on("exit", resolve))
  rmSync(dataDir, { recursive: true, force: true })
}
