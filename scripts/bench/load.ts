import { Agent, request } from "node:http"
import { type CpuPerRequest, cpuMeter } from "./processes.ts"
import { SECONDS, WARMUP_SECONDS } from "./settings.ts"
import { latencySummary, round } from "./statistics.ts"
import { githubHeaders } from "./webhook.ts"

// The load generator: keep-alive sockets, latency per request.

export interface Shot {
  readonly status: number
  readonly latencyMs: number
  readonly body: string
}

export const post = (agent: Agent, port: number, path: string, body: Buffer, headers: Record<string, string>) =>
  new Promise<Omit<Shot, "latencyMs">>((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", () => resolve({ status: 0, body: "" }))
    })
    req.on("error", () => resolve({ status: 0, body: "" }))
    req.end(body)
  })

export interface LoadResult {
  readonly shots: ReadonlyArray<Shot>
  readonly measuredShots: ReadonlyArray<Shot>
  readonly seconds: number
  readonly cpu: CpuPerRequest
  /** The measured window, in epoch ms (saturation runs). */
  readonly window?: { readonly fromEpochMs: number; readonly toEpochMs: number }
  /** How long after its scheduled time each request was handed to the socket (open-loop runs). */
  readonly sendLateness?: ReturnType<typeof latencySummary>
}

/** A run's acked requests per second (its 200s over the measured window). */
export const rateOf = (result: LoadResult) =>
  round(result.measuredShots.filter((shot) => shot.status === 200).length / result.seconds)
/** A run's latency percentiles, over the measured window. */
export const latenciesOf = (result: LoadResult) => latencySummary(result.measuredShots.map((shot) => shot.latencyMs))

export interface Signed {
  readonly body: Buffer
  readonly headers: Record<string, string>
}
export const signed = (body: Buffer): Signed => ({ body, headers: githubHeaders(body) })

// Requests are signed before a run starts, so the load generator spends its share of the cores on sending. Each
// request to Eventhook is a distinct delivery (a repeat would be stored as a duplicate); the bare server does not
// care, so it is sent a few requests over and over.
export const SIGNED_AHEAD = { distinct: 20_000, repeated: 1_000 }

/** Closed loop: `concurrency` senders, each sending the next request when the previous one is answered. */
export const saturate = async (
  port: number,
  path: string,
  concurrency: number,
  makeBody: () => Buffer,
  requests: keyof typeof SIGNED_AHEAD,
  servicePid: number
) => {
  const ready = Array.from({ length: SIGNED_AHEAD[requests] }, () => signed(makeBody()))
  let taken = 0
  const next = () => (requests === "repeated" ? ready[taken++ % ready.length]! : (ready[taken++] ?? signed(makeBody())))
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const shots: Array<Shot & { readonly at: number }> = []
  const start = performance.now()
  const measureFrom = start + WARMUP_SECONDS * 1000
  const end = measureFrom + SECONDS * 1000
  const startEpochMs = Date.now()
  const window = {
    fromEpochMs: startEpochMs + WARMUP_SECONDS * 1000,
    toEpochMs: startEpochMs + (WARMUP_SECONDS + SECONDS) * 1000
  }
  const meter = cpuMeter(servicePid)
  const metering = setTimeout(meter.start, WARMUP_SECONDS * 1000)
  const sender = async () => {
    while (performance.now() < end) {
      const { body, headers } = next()
      const sent = performance.now()
      const answer = await post(agent, port, path, body, headers)
      const now = performance.now()
      shots.push({ ...answer, latencyMs: now - sent, at: sent })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  agent.destroy()
  clearTimeout(metering)
  const measured = shots.filter((shot) => shot.at >= measureFrom)
  return {
    shots,
    measuredShots: measured,
    seconds: SECONDS,
    cpu: meter.perRequest(measured.length),
    window
  } satisfies LoadResult
}

/** Open loop: request i is due at start + i/rate; its latency counts from then, so queueing is included. */
export const offerRate = async (
  port: number,
  path: string,
  rate: number,
  makeBody: (dueMs: number) => Buffer,
  servicePid: number
) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 })
  const total = Math.round(rate * SECONDS)
  // Signed ahead with their scheduled send times, within the lead before the first is due.
  const lead = 500 + total / 5
  const startEpoch = Date.now() + lead
  const startPerf = performance.now() + lead
  const ready = Array.from({ length: total }, (_, i) => signed(makeBody(startEpoch + (i * 1000) / rate)))
  if (performance.now() > startPerf) throw new Error("signing the requests took longer than the lead before the run")
  const pending: Array<Promise<Shot>> = []
  const lateness: Array<number> = []
  const meter = cpuMeter(servicePid)
  meter.start()
  for (let i = 0; i < total; i++) {
    const duePerf = startPerf + (i * 1000) / rate
    const wait = duePerf - performance.now()
    // Never early: a request sent before its time would shorten its own latency.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const { body, headers } = ready[i]!
    lateness.push(performance.now() - duePerf)
    pending.push(
      post(agent, port, path, body, headers).then((answer) => ({
        ...answer,
        latencyMs: performance.now() - duePerf
      }))
    )
  }
  const shots = await Promise.all(pending)
  agent.destroy()
  return {
    shots,
    measuredShots: shots,
    seconds: SECONDS,
    cpu: meter.perRequest(shots.length),
    sendLateness: latencySummary(lateness)
  } satisfies LoadResult
}

/**
 * A burst: `total` distinct requests sent closed-loop by `concurrency` senders, as fast as they are answered; the
 * window is the whole burst (issue 22: ingest first).
 */
export const burst = async (
  port: number,
  path: string,
  concurrency: number,
  total: number,
  makeBody: () => Buffer,
  servicePid: number
) => {
  const ready = Array.from({ length: total }, () => signed(makeBody()))
  let taken = 0
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const shots: Array<Shot> = []
  const meter = cpuMeter(servicePid)
  const fromEpochMs = Date.now()
  const start = performance.now()
  meter.start()
  const sender = async () => {
    while (taken < total) {
      const { body, headers } = ready[taken++]!
      const sent = performance.now()
      const answer = await post(agent, port, path, body, headers)
      shots.push({ ...answer, latencyMs: performance.now() - sent })
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  const seconds = (performance.now() - start) / 1000
  agent.destroy()
  return {
    shots,
    measuredShots: shots,
    seconds,
    cpu: meter.perRequest(shots.length),
    window: { fromEpochMs, toEpochMs: Date.now() }
  } satisfies LoadResult
}
