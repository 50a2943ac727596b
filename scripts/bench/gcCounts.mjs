// Loaded into the service and the peer by the bench (`--import`, see processes.ts): counts their garbage
// collections by kind, so each run can report them per request (issue 22: objects of requests kept alive past them
// showed as ~2 full collections a second). The counts go to `<EVENTHOOK_BENCH_GC_DIR>/<pid>.json`, rewritten every
// 100 ms, which the bench reads before and after a run.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { constants, PerformanceObserver } from "node:perf_hooks"

const counts = { young: 0, full: 0, pause_ms: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.young++
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.full++
    counts.pause_ms += entry.duration
  }
}).observe({ entryTypes: ["gc"] })
const file = join(process.env.EVENTHOOK_BENCH_GC_DIR, `${process.pid}.json`)
setInterval(() => writeFileSync(file, JSON.stringify(counts)), 100).unref()
