import { mkdirSync, writeFileSync } from "node:fs"
import { dashboardFigures } from "./bench/dashboard.ts"
import {
  createRunSource,
  deliveredPerSecond,
  drainOf,
  endToEndLatencies,
  insertCeiling,
  type Ledger,
  ledgerOf,
  peerLedgerOf,
  prepareDatabase,
  type RunTarget,
  recovery,
  repeatsLedgerOf,
  resetPeer,
  settle,
  workflowTarget
} from "./bench/database.ts"
import { type Destination, startDestination } from "./bench/destination.ts"
import { BENCH_FILTER, BENCH_TRANSFORM, expressionCosts } from "./bench/expressions.ts"
import { burst, type LoadResult, latenciesOf, offerRate, rateOf, SIGNED_AHEAD, saturate } from "./bench/load.ts"
import {
  build,
  eventsPerStatement,
  peakRssMb,
  repoRoot,
  residentMbOf,
  startBareServer,
  startEventhook,
  startPeer,
  stop,
  whilePaused
} from "./bench/processes.ts"
import {
  BURST_EVENTS,
  CONCURRENCY,
  CONSTANT_RATE,
  END_TO_END_RATE,
  RECOVERY_EVENTS,
  REPEATS,
  SECONDS,
  WARMUP_SECONDS
} from "./bench/settings.ts"
import { latencySummary, medianBy, round, spread } from "./bench/statistics.ts"
import { payloadOf } from "./bench/webhook.ts"

/** The http runs' signing secret: Eventhook signs what it sends, so each delivery carries its webhook-id. */
const SIGNING_SECRET = `whsec_${Buffer.from("eventhook-bench-signing-secret!!").toString("base64")}`

/** One run's figures, keyed as they appear in the JSON. */
type RunFigures = { readonly per_second: number } & Record<string, unknown>

const main = async () => {
  const startedAt = new Date()
  console.log(
    `eventhook bench: ${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up), concurrency ${CONCURRENCY.join(", ")}, ` +
      `every run but recovery ${REPEATS}× (medians, with the range)`
  )
  build()
  const database = await prepareDatabase()
  const figures: Record<string, unknown> = {}
  const ledgers: Record<string, Ledger> = {}
  try {
    // Saturation: ceilings and Eventhook back to back, repeated ----------------------------------------------------
    // The machine's speed drifts by tens of percent within minutes when its cores are shared, so each Eventhook run is
    // measured right after the two ceilings it is compared with, the three are repeated, and the median ratio is the
    // one reported (every run is in the JSON).
    const bare = await startBareServer()
    const service = await startEventhook(database.url)
    // Issue 22's peer: the receiver a user would write by hand (scripts/bench/peer.mjs), measured in the same runs.
    const peer = await startPeer(database.url)
    const peerRun = async (name: string, run: () => Promise<LoadResult>) => {
      await resetPeer(database.url)
      await settle(database.url)
      const result = await run()
      ledgers[name] = await peerLedgerOf(database.url, result)
      return result
    }
    // The service with ingest first at one request in flight (issue 22): at saturation it stores and holds
    // processing to its floor (everything is processed after the run, its ledger checks), so its rate is ingest's
    // own, compared with the peer's, which processes nothing either. At c=64 the default engages ingest first too;
    // at c=16 it does not (fewer than 24 requests queue). Warmed by one unmeasured run, as the main service and the
    // peer are (below). Two instances share the database, and either one's sweeper would take the other's
    // unleased events (those beyond the 1,000 held in memory) and process them during the other's measured run, so
    // the instance not measured is paused (SIGSTOP) meanwhile.
    const ingestOnly = await startEventhook(database.url, { EVENTHOOK_INGEST_FIRST_QUEUED_AT: "1" })
    const ingestOnlyRun = async (name: string, concurrency: number) => {
      ingestOnly.child.kill("SIGCONT")
      const run = await createRunSource(database.url, name.replaceAll("_", "-"))
      await settle(database.url)
      const result = await whilePaused(service.child, () =>
        saturate(ingestOnly.port, run.path, concurrency, () => payloadOf(Date.now()), "distinct", ingestOnly.child.pid!)
      )
      ledgers[name] = await ledgerOf(database.url, run, result)
      ingestOnly.child.kill("SIGSTOP")
      return { run, result }
    }
    await ingestOnlyRun("ingest_only_warmup", CONCURRENCY[0]!)
    // The main service and the peer start cold too, and the runs before the first c=16 one (the ceilings) do not
    // touch them: one unmeasured run each, ledgers checked. A fresh service's first run acked ~20 % less than its
    // next ones, with ~40 % more CPU per request, so unwarmed it was always c=16's first run that paid.
    const warmupRun = await createRunSource(database.url, "saturation-warmup")
    await settle(database.url)
    const serviceWarmup = await saturate(
      service.port,
      warmupRun.path,
      CONCURRENCY[0]!,
      () => payloadOf(Date.now()),
      "distinct",
      service.child.pid!
    )
    ledgers.saturation_warmup = await ledgerOf(database.url, warmupRun, serviceWarmup)
    await peerRun("peer_warmup", () =>
      saturate(peer.port, "/", CONCURRENCY[0]!, () => payloadOf(Date.now()), "distinct", peer.child.pid!)
    )
    const peerFigures: Record<string, unknown> = {}
    const ingestOnlyFigures: Record<string, unknown> = {}
    const httpCeiling: Record<string, unknown> = {}
    const insert: Record<string, unknown> = {}
    const saturation: Record<string, unknown> = {}
    for (const concurrency of CONCURRENCY) {
      const key = `c${concurrency}`
      const runs: Array<{
        readonly http: RunFigures
        readonly insert: RunFigures
        readonly peer: RunFigures
        readonly ingest_only: RunFigures & { readonly vs_peer: number; readonly p99_vs_peer: number }
        readonly eventhook: RunFigures & {
          readonly vs_http_ceiling: number
          readonly vs_insert_ceiling: number
          readonly vs_peer: number
          readonly p99_vs_peer: number
        }
      }> = []
      for (let repeat = 1; repeat <= REPEATS; repeat++) {
        const http = await saturate(
          bare.port,
          "/",
          concurrency,
          () => payloadOf(Date.now()),
          "repeated",
          bare.child.pid!
        )
        await settle(database.url)
        const ceiling = await insertCeiling(database.url, concurrency)
        const run = await createRunSource(database.url, `sat-${concurrency}-${repeat}`)
        await settle(database.url)
        // Events per statement tell how the requests moved: at c=16, two groups of eight taking turns.
        const { result, eventsPerStatement: perStatement } = await eventsPerStatement(service.port, () =>
          saturate(service.port, run.path, concurrency, () => payloadOf(Date.now()), "distinct", service.child.pid!)
        )
        ledgers[`saturation_${key}_run${repeat}`] = await ledgerOf(database.url, run, result)
        const byHand = await peerRun(`peer_${key}_run${repeat}`, () =>
          saturate(peer.port, "/", concurrency, () => payloadOf(Date.now()), "distinct", peer.child.pid!)
        )
        const { run: storeRun, result: stored } = await ingestOnlyRun(`ingest_only_${key}_run${repeat}`, concurrency)
        runs.push({
          http: { per_second: rateOf(http), ...latenciesOf(http), cpu: http.cpu },
          insert: ceiling,
          peer: { per_second: rateOf(byHand), ...latenciesOf(byHand), cpu: byHand.cpu },
          ingest_only: {
            per_second: rateOf(stored),
            ...latenciesOf(stored),
            vs_peer: round(rateOf(stored) / rateOf(byHand), 3),
            p99_vs_peer: round(latenciesOf(stored).p99_ms / latenciesOf(byHand).p99_ms, 3),
            delivered_per_second: await deliveredPerSecond(database.url, storeRun.sourceId, stored.window!),
            cpu: stored.cpu
          },
          eventhook: {
            per_second: rateOf(result),
            ...latenciesOf(result),
            vs_http_ceiling: round(rateOf(result) / rateOf(http), 3),
            vs_insert_ceiling: round(rateOf(result) / ceiling.per_second, 3),
            vs_peer: round(rateOf(result) / rateOf(byHand), 3),
            p99_vs_peer: round(latenciesOf(result).p99_ms / latenciesOf(byHand).p99_ms, 3),
            delivered_per_second: await deliveredPerSecond(database.url, run.sourceId, result.window!),
            events_per_statement: perStatement === null ? null : round(perStatement, 2),
            cpu: result.cpu
          }
        })
      }
      // Each figure is the median run's, with the spread over the runs beside it.
      const ofMedian = (side: "http" | "insert" | "peer" | "ingest_only" | "eventhook") => ({
        ...medianBy(runs, (run) => run[side].per_second)[side],
        per_second_spread: spread(runs.map((run) => run[side].per_second)),
        runs: runs.map((run) => run[side])
      })
      httpCeiling[key] = ofMedian("http")
      insert[key] = ofMedian("insert")
      peerFigures[key] = ofMedian("peer")
      ingestOnlyFigures[key] = {
        ...ofMedian("ingest_only"),
        vs_peer: spread(runs.map((run) => run.ingest_only.vs_peer)),
        p99_vs_peer: spread(runs.map((run) => run.ingest_only.p99_vs_peer))
      }
      saturation[key] = {
        ...ofMedian("eventhook"),
        vs_peer: spread(runs.map((run) => run.eventhook.vs_peer)),
        p99_vs_peer: spread(runs.map((run) => run.eventhook.p99_vs_peer)),
        vs_insert_ceiling: spread(runs.map((run) => run.eventhook.vs_insert_ceiling)),
        vs_http_ceiling: spread(runs.map((run) => run.eventhook.vs_http_ceiling))
      }
    }
    await stop(bare.child)
    ingestOnly.child.kill("SIGCONT")
    await stop(ingestOnly.child)
    // Routing cost (issue 21): saturation with a route that filters and transforms every event against the same
    // route without them, alternated and repeated at the higher concurrency.
    const routingConcurrency = CONCURRENCY.at(-1)!
    const routingRuns: Record<"plain" | "cel", Array<RunFigures>> = { plain: [], cel: [] }
    for (let repeat = 1; repeat <= REPEATS; repeat++)
      for (const variant of ["plain", "cel"] as const) {
        const run = await createRunSource(
          database.url,
          `routing-${variant}-${repeat}`,
          variant === "plain" ? workflowTarget : { ...workflowTarget, filter: BENCH_FILTER, transform: BENCH_TRANSFORM }
        )
        await settle(database.url)
        const result = await saturate(
          service.port,
          run.path,
          routingConcurrency,
          () => payloadOf(Date.now()),
          "distinct",
          service.child.pid!
        )
        ledgers[`routing_${variant}_run${repeat}`] = await ledgerOf(database.url, run, result)
        routingRuns[variant].push({
          per_second: rateOf(result),
          ...latenciesOf(result),
          delivered_per_second: await deliveredPerSecond(database.url, run.sourceId, result.window!),
          cpu: result.cpu
        })
      }
    const routingOf = (variant: "plain" | "cel") => ({
      ...medianBy(routingRuns[variant], (run) => run.per_second),
      per_second_spread: spread(routingRuns[variant].map((run) => run.per_second)),
      runs: routingRuns[variant]
    })
    figures.route_expressions = {
      ...expressionCosts(),
      saturation_concurrency: routingConcurrency,
      saturation_plain: routingOf("plain"),
      saturation_filter_and_transform: routingOf("cel")
    }
    // Ingest first (issue 22): a burst of 20,000 webhooks at the higher concurrency, acked at ingest's speed while
    // processing is held to its floor, then drained; the drain is timed by the rows' own timestamps.
    const burstRun = await createRunSource(database.url, "burst")
    await settle(database.url)
    const burstResult = await burst(
      service.port,
      burstRun.path,
      routingConcurrency,
      BURST_EVENTS,
      () => payloadOf(Date.now()),
      service.child.pid!
    )
    const burstAcked = burstResult.shots.filter((shot) => shot.status === 200).length
    const drained = await drainOf(database.url, burstRun.sourceId, burstAcked, burstResult.window)
    ledgers.burst = await ledgerOf(database.url, burstRun, burstResult)
    figures.eventhook_burst = {
      events: BURST_EVENTS,
      concurrency: routingConcurrency,
      acked_per_second: round(burstAcked / burstResult.seconds),
      seconds_to_ack: round(burstResult.seconds, 2),
      ...latenciesOf(burstResult),
      ...drained,
      cpu: burstResult.cpu
    }
    // A retry storm: the same 1,000 deliveries sent over and over at the higher concurrency, so nearly every
    // request is a repeat, stored as the duplicate it is (each in its batch's second statement).
    const stormRuns: Array<RunFigures> = []
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const run = await createRunSource(database.url, `repeats-${repeat}`)
      await settle(database.url)
      const result = await saturate(
        service.port,
        run.path,
        routingConcurrency,
        () => payloadOf(Date.now()),
        "repeated",
        service.child.pid!
      )
      ledgers[`repeats_run${repeat}`] = await repeatsLedgerOf(database.url, run, result)
      stormRuns.push({ per_second: rateOf(result), ...latenciesOf(result), cpu: result.cpu })
    }
    figures.eventhook_repeats = {
      concurrency: routingConcurrency,
      distinct_deliveries: SIGNED_AHEAD.repeated,
      ...medianBy(stormRuns, (run) => run.per_second),
      per_second_spread: spread(stormRuns.map((run) => run.per_second)),
      runs: stormRuns
    }
    // More than one core (issue 22): two instances sharing the database, the senders split between them, against
    // the one instance alone at the same concurrency, alternated and repeated.
    const second = await startEventhook(database.url)
    const processRuns: Array<{ readonly one: RunFigures; readonly two: RunFigures; readonly two_vs_one: number }> = []
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const oneRun = await createRunSource(database.url, `one-process-${repeat}`)
      await settle(database.url)
      const one = await saturate(
        service.port,
        oneRun.path,
        routingConcurrency,
        () => payloadOf(Date.now()),
        "distinct",
        service.child.pid!
      )
      ledgers[`one_process_run${repeat}`] = await ledgerOf(database.url, oneRun, one)
      const twoRun = await createRunSource(database.url, `two-processes-${repeat}`)
      await settle(database.url)
      const halves = await Promise.all(
        [service, second].map((instance) =>
          saturate(
            instance.port,
            twoRun.path,
            routingConcurrency / 2,
            () => payloadOf(Date.now()),
            "distinct",
            instance.child.pid!
          )
        )
      )
      const both: LoadResult = {
        shots: halves.flatMap((half) => half.shots),
        measuredShots: halves.flatMap((half) => half.measuredShots),
        seconds: SECONDS,
        cpu: halves[0]!.cpu
      }
      ledgers[`two_processes_run${repeat}`] = await ledgerOf(database.url, twoRun, both)
      processRuns.push({
        one: { per_second: rateOf(one), ...latenciesOf(one), cpu: one.cpu },
        two: { per_second: rateOf(both), ...latenciesOf(both), cpu: halves.map((half) => half.cpu) },
        two_vs_one: round(rateOf(both) / rateOf(one), 3)
      })
    }
    await stop(second.child)
    figures.processes = {
      concurrency: routingConcurrency,
      one: medianBy(processRuns, (run) => run.one.per_second).one,
      two: medianBy(processRuns, (run) => run.two.per_second).two,
      two_vs_one: spread(processRuns.map((run) => run.two_vs_one)),
      runs: processRuns
    }
    figures.http_ceiling = httpCeiling
    figures.insert_ceiling = insert
    figures.peer_saturation = peerFigures
    figures.eventhook_saturation = saturation
    figures.eventhook_ingest_only_saturation = ingestOnlyFigures

    // Constant rates: repeated too; each figure is the run with the median p99 (of the ack, of webhook → workflow).
    const constantRuns: Array<{
      acked_per_second: number
      ack: ReturnType<typeof latencySummary>
      /** The load generator's own share of the ack latency: how late it sent each request. */
      sent_late: ReturnType<typeof latencySummary>
      cpu: unknown
      /** The peer at the same rate, right after. */
      peer_ack: ReturnType<typeof latencySummary>
    }> = []
    const e2eRuns: Array<{
      ack: ReturnType<typeof latencySummary>
      cpu: unknown
      webhook_to_workflow: ReturnType<typeof latencySummary>
    }> = []
    const httpRuns: Array<{
      ack: ReturnType<typeof latencySummary>
      cpu: unknown
      webhook_to_destination: ReturnType<typeof latencySummary>
    }> = []
    /**
     * One open-loop run at `rate` from a source of its own against `instance` (the main service by default), with
     * its ledger (at the destination when given).
     */
    const offeredRun = async (
      name: string,
      rate: number,
      destination?: Destination,
      instance: { readonly port: number; readonly child: { readonly pid?: number | undefined } } = service
    ) => {
      const target: RunTarget | undefined =
        destination === undefined
          ? undefined
          : {
              target_type: "http",
              target_config: { url: destination.url, signing: { type: "standard_webhooks", secret: SIGNING_SECRET } }
            }
      const run = await createRunSource(database.url, name.replaceAll("_", "-"), target)
      await settle(database.url)
      const result = await offerRate(instance.port, run.path, rate, (due) => payloadOf(due), instance.child.pid!)
      ledgers[name] = await ledgerOf(database.url, run, result, destination)
      return { run, result }
    }
    // The http target's code is cold until its first deliveries (the workflow path was warmed by the saturation
    // runs): a fresh instance falls behind for its first seconds of deliveries (measured: ~1.4 s of backlog at
    // 500/s). One unmeasured run warms it, so the figures below are the steady state (its ledger is still checked).
    const warmup = await startDestination()
    await offeredRun(`http_warmup_${END_TO_END_RATE}`, END_TO_END_RATE, warmup)
    await warmup.close()
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const constant = await offeredRun(`constant_${CONSTANT_RATE}_run${repeat}`, CONSTANT_RATE)
      const peerConstant = await peerRun(`peer_constant_${CONSTANT_RATE}_run${repeat}`, () =>
        offerRate(peer.port, "/", CONSTANT_RATE, (due) => payloadOf(due), peer.child.pid!)
      )
      constantRuns.push({
        acked_per_second: rateOf(constant.result),
        ack: latenciesOf(constant.result),
        sent_late: constant.result.sendLateness!,
        cpu: constant.result.cpu,
        peer_ack: latenciesOf(peerConstant)
      })
      const e2e = await offeredRun(`end_to_end_${END_TO_END_RATE}_run${repeat}`, END_TO_END_RATE)
      e2eRuns.push({
        ack: latenciesOf(e2e.result),
        cpu: e2e.result.cpu,
        webhook_to_workflow: latencySummary(await endToEndLatencies(database.url, e2e.run.tenantId))
      })
      const destination = await startDestination()
      const toHttp = await offeredRun(`http_end_to_end_${END_TO_END_RATE}_run${repeat}`, END_TO_END_RATE, destination)
      httpRuns.push({
        ack: latenciesOf(toHttp.result),
        cpu: toHttp.result.cpu,
        webhook_to_destination: latencySummary([...destination.received.values()].map((delivery) => delivery.latencyMs))
      })
      await destination.close()
    }
    figures.peer_peak_rss_mb = peakRssMb(peer.child.pid!)
    await stop(peer.child)
    figures.eventhook_constant_rate = {
      offered_per_second: CONSTANT_RATE,
      ...medianBy(constantRuns, (run) => run.ack.p99_ms),
      ack_p99_spread: spread(constantRuns.map((run) => run.ack.p99_ms)),
      peer_ack_p99_spread: spread(constantRuns.map((run) => run.peer_ack.p99_ms)),
      runs: constantRuns
    }
    figures.eventhook_end_to_end = {
      offered_per_second: END_TO_END_RATE,
      ...medianBy(e2eRuns, (run) => run.webhook_to_workflow.p99_ms),
      webhook_to_workflow_p99_spread: spread(e2eRuns.map((run) => run.webhook_to_workflow.p99_ms)),
      runs: e2eRuns
    }
    figures.eventhook_http_end_to_end = {
      offered_per_second: END_TO_END_RATE,
      ...medianBy(httpRuns, (run) => run.webhook_to_destination.p99_ms),
      webhook_to_destination_p99_spread: spread(httpRuns.map((run) => run.webhook_to_destination.p99_ms)),
      runs: httpRuns
    }
    // Observability cost (issue 19): ingest at the constant rate on three instances side by side — metrics on (the
    // default), metrics off (EVENTHOOK_METRICS=false), tracing on (spans to an OTLP sink) — alternated, repeated;
    // the service's CPU per event (its processing included) is what they are compared by.
    const sink = await startDestination()
    const metricsOff = await startEventhook(database.url, { EVENTHOOK_METRICS: "false" })
    const tracingOn = await startEventhook(database.url, {
      OTEL_EXPORTER_OTLP_ENDPOINT: new URL(sink.url).origin
    })
    const variants = [
      ["metrics_on", service],
      ["metrics_off", metricsOff],
      ["tracing_on", tracingOn]
    ] as const
    const costRuns: Record<string, Array<{ service_cpu_ms: number | null; ack_p99_ms: number }>> = {}
    // The two new instances start cold (the first one is warm from the runs above): one unmeasured run each first.
    for (const [variant, instance] of variants.slice(1))
      await offeredRun(`observability_${variant}_warmup`, CONSTANT_RATE, undefined, instance)
    for (let repeat = 1; repeat <= REPEATS; repeat++)
      for (const [variant, instance] of variants) {
        const { result } = await offeredRun(`observability_${variant}_run${repeat}`, CONSTANT_RATE, undefined, instance)
        costRuns[variant] = [
          ...(costRuns[variant] ?? []),
          {
            service_cpu_ms: (result.cpu as { service_ms: number | null }).service_ms,
            ack_p99_ms: latenciesOf(result).p99_ms
          }
        ]
      }
    await stop(metricsOff.child)
    await stop(tracingOn.child)
    await sink.close()
    const cpuOf = (variant: string) => {
      const values = (costRuns[variant] ?? []).flatMap((run) =>
        run.service_cpu_ms === null ? [] : [run.service_cpu_ms]
      )
      return values.length === 0 ? null : values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    }
    const [on, off, traced] = [cpuOf("metrics_on"), cpuOf("metrics_off"), cpuOf("tracing_on")]
    figures.eventhook_observability_cost = {
      offered_per_second: CONSTANT_RATE,
      service_cpu_ms_per_event: { metrics_on: on, metrics_off: off, tracing_on: traced },
      metrics_overhead_percent: on === null || off === null ? null : round((on / off - 1) * 100, 1),
      tracing_overhead_percent: traced === null || on === null ? null : round((traced / on - 1) * 100, 1),
      runs: costRuns
    }
    const recoveryRun = await createRunSource(database.url, "recovery")
    await settle(database.url)
    const recovered = await recovery(database.url, recoveryRun, RECOVERY_EVENTS)
    figures.eventhook_recovery = recovered
    const recoveryProblem =
      recovered.delivered !== recovered.queued || recovered.workflows !== recovered.queued
        ? `${recovered.delivered} delivered, ${recovered.workflows} workflows of ${recovered.queued} queued`
        : null
    ledgers.recovery = {
      acked: recovered.queued,
      non200: 0,
      rows: recovered.queued,
      delivered: recovered.delivered,
      workflows: recovered.workflows,
      balanced: recoveryProblem === null,
      problem: recoveryProblem
    }
    figures.eventhook_peak_rss_mb = peakRssMb(service.child.pid!)
    figures.eventhook_resident_at_end = residentMbOf(service.child.pid!)
    await stop(service.child)
    // The dashboard (issue 20): payload search on a million events, the events view's first rows in Chromium.
    figures.dashboard = await dashboardFigures(database.url)
  } finally {
    await database.drop()
  }

  const balanced = Object.values(ledgers).every((ledger) => ledger.balanced)
  const report = {
    started_at: startedAt.toISOString(),
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version, database: database.description },
    note: "load generator, service and PostgreSQL share the machine's cores",
    seconds_per_run: SECONDS,
    figures,
    ledgers,
    ledger_balanced: balanced
  }
  mkdirSync(new URL("bench-results/", repoRoot), { recursive: true })
  const file = new URL(`bench-results/bench-${startedAt.toISOString().replaceAll(":", "-")}.json`, repoRoot)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  printTable(report)
  console.log(`\nall figures: ${file.pathname}`)
  if (!balanced) {
    console.error("LEDGER DOES NOT BALANCE: this run is void")
    process.exitCode = 1
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the report is printed as it was built above
const printTable = (report: any) => {
  const f = report.figures
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const cpuOf = (cpu: any) =>
    cpu === undefined ? "" : [cpu.service_ms ?? "–", cpu.postgres_ms ?? "?", cpu.load_generator_ms].join(" + ")
  const rows: Array<[string, string, string, string, string, string]> = [
    ["run", "req/s", "p50 ms", "p99 ms", "ratio", "CPU ms/req: server + postgres + client"]
  ]
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const collectionsOf = (cpu: any) => {
    const c = cpu?.collections_per_1000
    return c === undefined ? "" : `GC per 1,000 requests: ${c.young} young, ${c.full} full (${c.pause_ms} ms paused)`
  }
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const range = (spread: any) => (REPEATS > 1 ? ` (${spread.min}–${spread.max})` : "")
  /** A saturation run's row: its median run's figures, with the range of its rate over the runs. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const saturationRow = (label: string, run: any, ratio: string): (typeof rows)[number] => [
    label,
    `${run.per_second}${range(run.per_second_spread)}`,
    run.p50_ms,
    run.p99_ms,
    ratio,
    cpuOf(run.cpu)
  ]
  for (const c of CONCURRENCY) {
    const key = `c${c}`
    rows.push(saturationRow(`http ceiling (bare node:http) c=${c}`, f.http_ceiling[key], ""))
    rows.push(saturationRow(`insert ceiling (1 row/txn) c=${c}`, f.insert_ceiling[key], ""))
    rows.push(
      saturationRow(
        `peer (node:http + pg, by hand) c=${c}`,
        f.peer_saturation[key],
        collectionsOf(f.peer_saturation[key].cpu)
      )
    )
    const s = f.eventhook_saturation[key]
    rows.push(
      saturationRow(
        `eventhook saturation c=${c}`,
        s,
        `${s.vs_peer.median}× peer${range(s.vs_peer)} (p99 ${s.p99_vs_peer.median}×), ${s.vs_insert_ceiling.median}× insert, ${s.vs_http_ceiling.median}× http; ${s.delivered_per_second}/s delivered; ${s.events_per_statement} events per statement; ${collectionsOf(s.cpu)}`
      )
    )
    const i = f.eventhook_ingest_only_saturation[key]
    rows.push(
      saturationRow(
        `eventhook ingest first at 1 in flight c=${c}`,
        i,
        `${i.vs_peer.median}× peer${range(i.vs_peer)} (p99 ${i.p99_vs_peer.median}×); ${i.delivered_per_second}/s delivered (the rest after the run)`
      )
    )
  }
  const b = f.eventhook_burst
  rows.push([
    `eventhook burst of ${b.events} at c=${b.concurrency} (ingest first)`,
    b.acked_per_second,
    b.p50_ms,
    b.p99_ms,
    `acked in ${b.seconds_to_ack} s (${b.delivered_during_burst} delivered meanwhile); all delivered ${b.seconds_to_drain_from_start} s after the start, ${b.seconds_to_catch_up_after_burst} s after the burst`,
    cpuOf(b.cpu)
  ])
  const storm = f.eventhook_repeats
  rows.push(
    saturationRow(
      `eventhook retry storm c=${storm.concurrency}`,
      storm,
      `the same ${storm.distinct_deliveries} deliveries over and over: nearly all stored as duplicates`
    )
  )
  const p = f.processes
  rows.push([
    `eventhook c=${p.concurrency}: one process / two processes`,
    `${p.one.per_second} / ${p.two.per_second}`,
    "",
    `${p.one.p99_ms} / ${p.two.p99_ms}`,
    `two / one: ${p.two_vs_one.median}×${range(p.two_vs_one)}`,
    ""
  ])
  const k = f.eventhook_constant_rate
  rows.push([
    `eventhook ${k.offered_per_second}/s offered (ack)`,
    k.acked_per_second,
    k.ack.p50_ms,
    `${k.ack.p99_ms}${range(k.ack_p99_spread)}`,
    `p99.9 ${k.ack.p999_ms} ms; peer's p99 ${k.peer_ack.p99_ms}${range(k.peer_ack_p99_spread)} ms; sent late: p99 ${k.sent_late.p99_ms} ms`,
    cpuOf(k.cpu)
  ])
  const e = f.eventhook_end_to_end
  rows.push([
    `eventhook ${e.offered_per_second}/s webhook→workflow`,
    "",
    e.webhook_to_workflow.p50_ms,
    `${e.webhook_to_workflow.p99_ms}${range(e.webhook_to_workflow_p99_spread)}`,
    `p99.9 ${e.webhook_to_workflow.p999_ms} ms`,
    cpuOf(e.cpu)
  ])
  const h = f.eventhook_http_end_to_end
  rows.push([
    `eventhook ${h.offered_per_second}/s webhook→http destination`,
    "",
    h.webhook_to_destination.p50_ms,
    `${h.webhook_to_destination.p99_ms}${range(h.webhook_to_destination_p99_spread)}`,
    `p99.9 ${h.webhook_to_destination.p999_ms} ms`,
    cpuOf(h.cpu)
  ])
  const o = f.eventhook_observability_cost
  rows.push([
    `eventhook ${o.offered_per_second}/s: metrics on / off / tracing on`,
    "",
    "",
    "",
    `service CPU ms/event ${o.service_cpu_ms_per_event.metrics_on} / ${o.service_cpu_ms_per_event.metrics_off} / ${o.service_cpu_ms_per_event.tracing_on}: metrics ${o.metrics_overhead_percent}%, tracing ${o.tracing_overhead_percent}%`,
    ""
  ])
  const x = f.route_expressions
  rows.push([
    `eventhook saturation c=${x.saturation_concurrency}: plain route / filter + transform`,
    `${x.saturation_plain.per_second}${range(x.saturation_plain.per_second_spread)} / ${x.saturation_filter_and_transform.per_second}${range(x.saturation_filter_and_transform.per_second_spread)}`,
    "",
    "",
    `filter ${x.filter_us_per_event} µs, transform ${x.transform_us_per_event} µs per event; worst allowed ${Math.max(...Object.values(x.worst_case_ms as Record<string, { ms: number }>).map((w) => w.ms))} ms`,
    ""
  ])
  const r = f.eventhook_recovery
  rows.push([
    `eventhook recovery: ${r.queued} queued events`,
    r.per_second,
    "",
    "",
    `drained in ${r.seconds_to_drain} s`,
    ""
  ])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
  console.log("")
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i]!)).join("  "))
  const resident = f.eventhook_resident_at_end
  console.log(
    `\npeak RSS of the service: ${f.eventhook_peak_rss_mb} MB` +
      (resident === null
        ? ""
        : ` (at the end ${resident.rss_mb} MB, of which ${resident.file_backed_mb} MB file-backed: the Node binary and mapped files)`) +
      `; the peer's peak: ${f.peer_peak_rss_mb} MB`
  )
  const d = f.dashboard
  const s = d.payload_search
  console.log(
    `dashboard: payload search on ${s.events} events over ${s.days} days, contains / path = value: ` +
      ["1h", "1d", "7d", "30d"].map((w) => `${w} ${s[w].contains_ms} / ${s[w].path_equals_ms} ms`).join(", ")
  )
  console.log(
    d.first_rows.skipped === undefined
      ? `dashboard: events view with ${d.first_rows.events} events, first rows at ${d.first_rows.cold_ms} ms (cold), ${d.first_rows.warm_median_ms} ms (warm, median)`
      : `dashboard: events view not measured: ${d.first_rows.skipped}`
  )
  for (const [name, ledger] of Object.entries(report.ledgers as Record<string, Ledger>))
    if (name.startsWith("peer_"))
      console.log(
        `ledger ${name}: ${ledger.acked} acked, ${ledger.non200} not 200, ${ledger.rows} rows (stored only: the peer processes nothing) — ${ledger.balanced ? "balanced" : `VOID: ${ledger.problem}`}`
      )
    else
      console.log(
        `ledger ${name}: ${ledger.acked} ${name === "recovery" ? "queued" : "acked"}, ${ledger.non200} not 200, ${ledger.rows} rows, ${ledger.delivered} delivered, ${ledger.repeats === undefined ? `${ledger.workflows} workflows` : `${ledger.workflows} received at the destination (${ledger.repeats} repeats)`} — ${ledger.balanced ? "balanced" : `VOID: ${ledger.problem}`}`
      )
}

await main()
