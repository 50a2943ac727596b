import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { SECRET } from "./settings.ts"
import { round } from "./statistics.ts"

// Processes: the service and the bare server as children, their CPU time and memory.

/** The repository (this file is scripts/bench/processes.ts). */
export const repoRoot = new URL("../../", import.meta.url)

export const waitForLine = (child: ChildProcess, pattern: RegExp) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    let output = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = pattern.exec(output)
      if (match !== null) resolve(match)
    })
    child.once("exit", (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)))
  })

/** Peak resident memory (VmHWM) of a process, in MB; Linux only. */
export const peakRssMb = (pid: number) => {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
    return kb === undefined ? null : round(Number(kb) / 1024)
  } catch {
    return null
  }
}

/** Resident memory now (VmRSS) and its file-backed share (RssFile: the Node binary and mapped files), in MB. */
export const residentMbOf = (pid: number) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kbOf = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN)
    return { rss_mb: round(kbOf("VmRSS") / 1024), file_backed_mb: round(kbOf("RssFile") / 1024) }
  } catch {
    return null
  }
}

/** Clock ticks per second of /proc's CPU times. */
export const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system, with reaped children) of a process, in ms; Linux only, null elsewhere. */
export const cpuMsOf = (pid: number): number | null => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    return (ticks * 1000) / ticksPerSecond
  } catch {
    return null
  }
}

/**
 * The CPU time of each PostgreSQL process of the machine (postmaster, backends, background workers), in ms by pid:
 * a run's share is summed per process, so one that exits during the run (a backend closed, a server restarted) takes
 * only its own time in the run with it, not everything it had used before.
 */
export const postgresCpuMsByPid = (): ReadonlyMap<number, number> | null => {
  try {
    const byPid = new Map<number, number>()
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      let comm: string
      try {
        comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim()
      } catch {
        continue
      }
      const ms = comm === "postgres" ? cpuMsOf(Number(entry)) : null
      if (ms !== null) byPid.set(Number(entry), ms)
    }
    return byPid
  } catch {
    return null
  }
}

/**
 * PostgreSQL's CPU time between two readings: what each process still running used since the first reading (all of
 * it for one started since).
 */
const postgresCpuMsBetween = (from: ReadonlyMap<number, number> | null, to: ReadonlyMap<number, number> | null) => {
  if (from === null || to === null) return null
  let total = 0
  for (const [pid, ms] of to) total += ms - (from.get(pid) ?? 0)
  return total
}

/** Where the children's garbage collection counts are written (`gcCounts.mjs`); removed when the bench ends. */
const collectionsDir = mkdtempSync(join(tmpdir(), "eventhook-bench-gc-"))
process.once("exit", () => rmSync(collectionsDir, { recursive: true, force: true }))

/** The garbage collections so far of a child started with `countingCollections`; null for any other process. */
const gcCountsOf = (pid: number | null): { young: number; full: number; pause_ms: number } | null => {
  if (pid === null) return null
  try {
    return JSON.parse(readFileSync(join(collectionsDir, `${pid}.json`), "utf8"))
  } catch {
    return null
  }
}

/** The environment that loads `gcCounts.mjs` into a child, beside any Node options it has. */
const countingCollections = (env: NodeJS.ProcessEnv) => ({
  EVENTHOOK_BENCH_GC_DIR: collectionsDir,
  NODE_OPTIONS: [env.NODE_OPTIONS, `--import=${fileURLToPath(new URL("gcCounts.mjs", import.meta.url))}`]
    .filter(Boolean)
    .join(" ")
})

export interface CpuPerRequest {
  readonly service_ms: number | null
  readonly postgres_ms: number | null
  readonly load_generator_ms: number
  /** The server's garbage collections per 1,000 requests: young (scavenges), full (mark-compact), pause ms. */
  readonly collections_per_1000?: { readonly young: number; readonly full: number; readonly pause_ms: number }
}

/**
 * Where the cores went during a run, per request: the service (or the bare server), PostgreSQL, and this
 * process (the load generator; for the insert ceiling, the client doing the inserts).
 */
export const cpuMeter = (servicePid: number | null) => {
  const read = () => ({
    service: servicePid === null ? null : cpuMsOf(servicePid),
    postgres: postgresCpuMsByPid(),
    self: process.cpuUsage(),
    collections: gcCountsOf(servicePid)
  })
  let from: ReturnType<typeof read> | null = null
  return {
    start: () => {
      from = read()
    },
    perRequest: (requests: number): CpuPerRequest => {
      const to = read()
      const start = from ?? to
      const per = (a: number | null, b: number | null) =>
        a === null || b === null || requests === 0 ? null : round((b - a) / requests, 3)
      const self = process.cpuUsage(start.self)
      const [before, after] = [start.collections, to.collections]
      const per1000 = (a: number, b: number) => round(((b - a) * 1000) / requests, 2)
      return {
        service_ms: per(start.service, to.service),
        postgres_ms: per(0, postgresCpuMsBetween(start.postgres, to.postgres)),
        load_generator_ms: round((self.user + self.system) / 1000 / Math.max(requests, 1), 3),
        ...(before === null || after === null || requests === 0
          ? {}
          : {
              collections_per_1000: {
                young: per1000(before.young, after.young),
                full: per1000(before.full, after.full),
                pause_ms: per1000(before.pause_ms, after.pause_ms)
              }
            })
      }
    }
  }
}

/** Runs `run` with `child` stopped (SIGSTOP), and lets it go on (SIGCONT) afterwards. */
export const whilePaused = async <A>(child: ChildProcess, run: () => Promise<A>) => {
  child.kill("SIGSTOP")
  try {
    return await run()
  } finally {
    child.kill("SIGCONT")
  }
}

/** The children `stop` was asked to end, whose exit is expected. */
const stopping = new WeakSet<ChildProcess>()

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    // A child killed by a signal has no exit code, only a signal: waiting for its exit again would wait forever.
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    stopping.add(child)
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

export const BARE_SERVER = `
  const { createServer } = require("node:http")
  const server = createServer((req, res) => {
    req.on("data", () => {})
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"ok":true}') })
  })
  server.listen(0, "127.0.0.1", () => console.log("bare listening on " + server.address().port))
  process.on("SIGTERM", () => server.close(() => process.exit(0)))
`

export const startBareServer = async () => {
  const child = spawn(process.execPath, ["-e", BARE_SERVER], { stdio: ["ignore", "pipe", "inherit"] })
  const match = await waitForLine(child, /bare listening on (\d+)/)
  return { child, port: Number(match[1]) }
}

/** The hand-written receiver of issue 22 (peer.mjs), against the bench's database. */
export const startPeer = async (databaseUrl: string) => {
  const child = spawn(process.execPath, [fileURLToPath(new URL("peer.mjs", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: databaseUrl, PEER_SECRET: SECRET, ...countingCollections(process.env) }
  })
  const match = await waitForLine(child, /peer listening on (\d+)/)
  return { child, port: Number(match[1]) }
}

export const packageScripts = (
  JSON.parse(readFileSync(new URL("package.json", repoRoot), "utf8")) as {
    scripts: { build: string; start: string }
  }
).scripts

export const nodeArgsOf = (script: string) => {
  const [node, ...args] = script.split(/\s+/)
  if (node !== "node") throw new Error(`unexpected script: ${script}`)
  return args
}

/** The service as `npm start` runs it: built first (`prestart`), then the same Node flags and entry point. */
export const startCommand = () => nodeArgsOf(packageScripts.start)
export const build = () =>
  execFileSync(process.execPath, nodeArgsOf(packageScripts.build), { cwd: repoRoot, stdio: "ignore" })

const BENCH_ADMIN_TOKEN = `bench-${randomUUID()}`

/** The group commit's statements so far and the events they carried, from the service's `/metrics`. */
const groupCommitTotals = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }
  })
  const text = await response.text()
  // A histogram with no observation yet is not printed: none so far (the service's first run started from there).
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? 0)
  return {
    statements: value("eventhook_group_commit_batch_size_count"),
    events: value("eventhook_group_commit_batch_size_sum")
  }
}

/** Events per group-commit statement while `run` ran against the service on `port`. */
export const eventsPerStatement = async <A>(port: number, run: () => Promise<A>) => {
  const before = await groupCommitTotals(port)
  const result = await run()
  const after = await groupCommitTotals(port)
  const statements = after.statements - before.statements
  return { result, eventsPerStatement: statements > 0 ? (after.events - before.events) / statements : null }
}

export const startEventhook = async (databaseUrl: string, env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, startCommand(), {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "error",
      EVENTHOOK_RATE_LIMIT_PER_SECOND: "1000000",
      EVENTHOOK_RATE_LIMIT_BURST: "1000000",
      // For `/metrics` (groupCommitTotals); any run may set its own.
      EVENTHOOK_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      ...countingCollections(process.env),
      ...env
    }
  })
  const match = await waitForLine(child, /eventhook listening on http:\/\/127\.0\.0\.1:(\d+)/)
  // A service that dies during the bench is said at once: its runs after that would only time out.
  child.once("exit", (code, signal) => {
    if (!stopping.has(child))
      console.error(`eventhook (pid ${child.pid}) exited during the bench: ${signal ?? `code ${code}`}`)
  })
  return { child, port: Number(match[1]) }
}
