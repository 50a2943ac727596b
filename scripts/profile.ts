// `npm run profile`: where the service's CPU goes at saturation (issue 22). The service is built with a source map,
// started as `npm start` starts it, with `--cpu-prof`, and loaded as the bench loads it (closed loop, distinct GitHub
// webhooks to a workflow route, processing on): one unmeasured round, then the measured ones. The samples taken
// during the measured rounds are then mapped back through the source map and summed by source file and function
// (self time). The full profile is kept for Chrome's DevTools. Figures from a shared machine drift; compare only
// profiles taken in one sitting.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createRunSource, prepareDatabase, settle } from "./bench/database.ts"
import { saturate } from "./bench/load.ts"
import { nodeArgsOf, packageScripts, repoRoot, startEventhook, stop } from "./bench/processes.ts"
import { positiveIntegerFrom } from "./bench/settings.ts"
import { latencySummary, round } from "./bench/statistics.ts"
import { payloadOf } from "./bench/webhook.ts"

const CONCURRENCY = positiveIntegerFrom("PROFILE_CONCURRENCY", 16)
const ROUNDS = positiveIntegerFrom("PROFILE_ROUNDS", 3)
const TOP = positiveIntegerFrom("PROFILE_TOP", 30)
/** Samples this close to a round's edges are left out: the profile's clock is aligned with ours to ~0.1 s. */
const EDGE_MS = 500

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface Profile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: CallFrame }>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const bundleFile = fileURLToPath(new URL("dist/main.node.js", repoRoot))

/** The source file a frame's code came from: `src/…`, `package/file` for a dependency, Node's own, or V8's. */
const placeOf = (frame: CallFrame, sourceMap: SourceMap) => {
  if (frame.url === "") return { file: `(${frame.functionName})`, name: "" }
  if (!frame.url.endsWith("main.node.js"))
    return { file: `node:${frame.url.replace(/^node:/, "")}`, name: frame.functionName }
  const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber) as {
    originalSource?: string
    originalLine?: number
  }
  const source = entry.originalSource ?? "?"
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:.*\/)?([^/]+)$/.exec(source)
  const file = dependency !== null ? `${dependency[1]}/${dependency[2]}` : source.replace(/^.*?\/src\//, "src/")
  return { file, name: `${frame.functionName || "(anonymous)"}:${(entry.originalLine ?? 0) + 1}` }
}

const main = async () => {
  execFileSync(process.execPath, nodeArgsOf(packageScripts.build), {
    cwd: repoRoot,
    stdio: "ignore",
    env: { ...process.env, EVENTHOOK_BUILD_SOURCEMAP: "1" }
  })
  const database = await prepareDatabase()
  const profileDir = mkdtempSync(join(tmpdir(), "eventhook-profile-"))
  try {
    const startedAt = Date.now()
    const service = await startEventhook(database.url, {
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=250`
    })
    const measured: Array<{ fromMs: number; toMs: number }> = []
    const results = []
    for (let round = 0; round <= ROUNDS; round++) {
      const run = await createRunSource(database.url, `profile-${round}`)
      await settle(database.url)
      const result = await saturate(
        service.port,
        run.path,
        CONCURRENCY,
        () => payloadOf(Date.now()),
        "distinct",
        service.child.pid!
      )
      if (round === 0) continue
      measured.push({ fromMs: result.window.fromEpochMs + EDGE_MS, toMs: result.window.toEpochMs - EDGE_MS })
      results.push(result)
    }
    await stop(service.child)

    // start.mjs starts itself again in place (execve, for MALLOC_ARENA_MAX) and the first image writes a profile of
    // its own as it goes: the service's is the last one written (the names begin with the time).
    const profileFile = readdirSync(profileDir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .sort()
      .at(-1)!
    const profile = JSON.parse(readFileSync(join(profileDir, profileFile), "utf8")) as Profile
    // The profile's clock (µs) starts with the process, ~0.1 s after it was spawned.
    const inMeasuredRound = (profileMicros: number) => {
      const epochMs = startedAt + (profileMicros - profile.startTime) / 1000
      return measured.some((window) => epochMs >= window.fromMs && epochMs <= window.toMs)
    }
    const sourceMap = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, "utf8")))
    const places = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame, sourceMap)]))
    const byFile = new Map<string, number>()
    const byFunction = new Map<string, number>()
    let busy = 0
    let idle = 0
    let at = profile.startTime
    profile.samples.forEach((id, index) => {
      at += profile.timeDeltas[index]!
      if (!inMeasuredRound(at)) return
      const place = places.get(id)!
      if (place.file === "((idle))") {
        idle++
        return
      }
      busy++
      byFile.set(place.file, (byFile.get(place.file) ?? 0) + 1)
      if (place.name !== "")
        byFunction.set(`${place.file} ${place.name}`, (byFunction.get(`${place.file} ${place.name}`) ?? 0) + 1)
    })
    const top = (counts: Map<string, number>) =>
      [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([key, count]) => `  ${((100 * count) / busy).toFixed(1).padStart(5)} %  ${key}`)
        .join("\n")

    const acked = results.flatMap((result) => result.measuredShots.filter((shot) => shot.status === 200))
    const latency = latencySummary(acked.map((shot) => shot.latencyMs))
    const cpu = results.map((result) => result.cpu.service_ms ?? Number.NaN)
    console.log(
      `c=${CONCURRENCY}, ${ROUNDS} measured rounds after one unmeasured: ` +
        `${round(acked.length / results.reduce((sum, result) => sum + result.seconds, 0))} acked/s, ` +
        `p50 ${latency.p50_ms} ms, p99 ${latency.p99_ms} ms; service CPU ms/request ${cpu.join(", ")}\n` +
        `samples in the measured rounds: ${busy} busy, ${idle} idle (the thread waiting for work): ` +
        `${round((100 * busy) / Math.max(busy + idle, 1))} % busy\n` +
        "(writeBuffer) and (writeUtf8String) are the socket writes; their share includes time the thread was " +
        "descheduled in them, which the CPU time does not count\n\n" +
        `self time by source file, % of busy samples:\n${top(byFile)}\n\n` +
        `self time by function:\n${top(byFunction)}\n\n` +
        `profile (Chrome DevTools → Performance → Load profile): ${profileDir}`
    )
  } finally {
    await database.drop()
  }
}

await main()
