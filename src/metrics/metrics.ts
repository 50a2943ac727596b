import { type Context, Effect, Metric, type Pool } from "effect"

// Eventhook's metrics (issue 19), on Effect's Metric; `/metrics` renders them with PrometheusMetrics. Prometheus
// naming: the `eventhook_` prefix, base units (seconds, bytes), `_total` on counters. Labels stay bounded: `source`
// is `tenant/source` and only for a source that exists (an unknown slug is `""`, so a stranger cannot mint series),
// and never an id or a payload value. `EVENTHOOK_METRICS_SOURCE_LABEL=false` drops it where sources are very many.

/** 1 ms to 10 s: an ingest is a few ms, a commit under load tens, a slow destination seconds. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * One labelled series per label combination, made once (this runs per request). Each is a metric of its own with
 * its labels as attributes: `Metric.withAttributes` would copy the fiber's whole context on every update.
 */
const series = <M>(make: (attributes: Readonly<Record<string, string>>) => M) => {
  const made = new Map<string, M>()
  return (labels: Readonly<Record<string, string>>): M => {
    const key = Object.values(labels).join("\u0000")
    let labelled = made.get(key)
    if (labelled === undefined) {
      labelled = make(labels)
      made.set(key, labelled)
    }
    return labelled
  }
}

const ingestRequestsOf = series((attributes) =>
  Metric.counter("eventhook_ingest_requests_total", {
    description:
      "Ingest requests by outcome (accepted, duplicate, handshake, rejected, invalid_payload, too_large, rate_limited, unavailable, not_found, error)",
    incremental: true,
    attributes
  })
)
const ingestRejectionsOf = series((attributes) =>
  Metric.counter("eventhook_ingest_rejections_total", {
    description: "Requests whose verification failed, by reason",
    incremental: true,
    attributes
  })
)
const requestDurationOf = series((attributes) =>
  Metric.histogram("http_server_request_duration_seconds", {
    description: "Duration of HTTP server requests (OpenTelemetry semantic conventions)",
    boundaries: SECONDS_BUCKETS,
    attributes
  })
)
const verificationsOf = series((attributes) =>
  Metric.counter("eventhook_verifications_total", {
    description: "Requests that verified, by scheme and by the index of the secret that verified them",
    incremental: true,
    attributes
  })
)
const ingestPhaseOf = series((attributes) =>
  Metric.histogram("eventhook_ingest_phase_seconds", {
    description:
      "Time spent in each ingest phase: verify (signature and parsing), store (waiting for the commit and committing)",
    boundaries: SECONDS_BUCKETS,
    attributes
  })
)
// The phases' series, looked up once: they are updated several times per request.
const phaseSeries = {
  verify: ingestPhaseOf({ phase: "verify" }),
  store: ingestPhaseOf({ phase: "store" }),
  commit: ingestPhaseOf({ phase: "commit" }),
  commit_wait: ingestPhaseOf({ phase: "commit_wait" })
}
const batchSize = Metric.histogram("eventhook_group_commit_batch_size", {
  description: "Events written by one group commit",
  boundaries: [1, 2, 4, 8, 16, 32, 64, 128]
})
const eventsFinishedOf = series((attributes) =>
  Metric.counter("eventhook_events_processed_total", {
    description: "Processing attempts by how they ended (delivered, failed, unrouted)",
    incremental: true,
    attributes
  })
)
const retriesScheduled = Metric.counter("eventhook_retries_scheduled_total", {
  description: "Failed attempts scheduled for an automatic retry",
  incremental: true
})
const actionsOf = series((attributes) =>
  Metric.counter("eventhook_actions_total", {
    description: "Route actions by target type and result",
    incremental: true,
    attributes
  })
)
const actionDurationOf = series((attributes) =>
  Metric.histogram("eventhook_action_duration_seconds", {
    description: "Duration of route actions, by target type",
    boundaries: SECONDS_BUCKETS,
    attributes
  })
)
const queueEventsOf = series((attributes) =>
  Metric.gauge("eventhook_queue_events", {
    description: "Events waiting, by state: pending, processing, retry (failed with a retry scheduled)",
    attributes
  })
)
const oldestPending = Metric.gauge("eventhook_oldest_pending_age_seconds", {
  description: "Age of the oldest pending event (0 when none)"
})
const databaseConnectionsOf = series((attributes) =>
  Metric.gauge("eventhook_db_connections", {
    description: "Eventhook's PostgreSQL connections (every instance's, from pg_stat_activity) by state",
    attributes
  })
)
const poolConnectionsOf = series((attributes) =>
  Metric.gauge("eventhook_db_pool_connections", {
    description: "This instance's pooled PostgreSQL connections, by state: used (checked out) or idle",
    attributes
  })
)
const poolPending = Metric.gauge("eventhook_db_pool_pending_requests", {
  description: "Checkouts waiting for a pooled PostgreSQL connection on this instance"
})
const poolMax = Metric.gauge("eventhook_db_pool_max_connections", {
  description: "The most connections this instance's pool opens"
})
const ingestFirstActive = Metric.gauge("eventhook_ingest_first_active", {
  description: "1 while ingest requests queue and processing is held to its floor rate (ingest first)"
})
const heldBack = Metric.gauge("eventhook_processing_held_back_events", {
  description: "Events waiting for processing because ingest comes first"
})
const operationsOf = series((attributes) =>
  Metric.counter("eventhook_operator_events_total", {
    description: "Events reprocessed or re-verified by an operator, by operation and result",
    incremental: true,
    attributes
  })
)

// EVENTHOOK_METRICS=false turns every update below into a no-op, for the process (the bench measures the cost).
let enabled = true
export const setMetricsEnabled = (on: boolean) => {
  enabled = on
}

/** An update that does nothing while metrics are off. */
const gated =
  <A extends ReadonlyArray<unknown>>(record: (...args: A) => Effect.Effect<void>) =>
  (...args: A): Effect.Effect<void> =>
    enabled ? record(...args) : Effect.void

// A numeric metric and the value it is updated with.
export type Update = readonly [metric: Metric.Metric<number, unknown>, value: number]

/** Several updates at once, outside any effect: for the ingest listener's fast lane (issue 22), which has no fiber. */
export const applyUpdatesNow = (context: Context.Context<never>, updates: ReadonlyArray<Update>): void => {
  if (!enabled) return
  for (const [metric, value] of updates) metric.updateUnsafe(value, context)
}

/**
 * Several updates as one effect: `Metric.update` is two effects and two closures each, and the ingest path
 * records ~9 values per request.
 */
const updateAll = (...updates: ReadonlyArray<Update>): Effect.Effect<void> =>
  Effect.contextWith((context) => {
    for (const [metric, value] of updates) metric.updateUnsafe(value, context)
    return Effect.void
  })

/** One value, `count` times (a histogram observation per event of a batch). */
const updateTimes = (metric: Metric.Metric<number, unknown>, value: number, count: number): Effect.Effect<void> =>
  Effect.contextWith((context) => {
    for (let i = 0; i < count; i++) metric.updateUnsafe(value, context)
    return Effect.void
  })

export type IngestOutcome =
  | "accepted"
  | "duplicate"
  | "handshake"
  | "rejected"
  | "invalid_payload"
  | "too_large"
  | "rate_limited"
  | "unavailable"
  | "not_found"
  | "error"

/** Outcomes reached only once the source was found: they may carry its label. */
const KNOWN_SOURCE = new Set<IngestOutcome>([
  "accepted",
  "duplicate",
  "handshake",
  "rejected",
  "invalid_payload",
  "rate_limited"
])

export const INGEST_ROUTE = "/api/tenants/{tenant}/eventhook/in/{source}"

/** A finished ingest request: its outcome, and its duration by HTTP status; a rejection by reason. */
export const ingestUpdates = (options: {
  readonly outcome: IngestOutcome
  readonly source: string
  readonly status: number
  readonly seconds: number
  readonly rejection?: string | undefined
  readonly sourceLabel: boolean
}): ReadonlyArray<Update> => {
  const source = options.sourceLabel && KNOWN_SOURCE.has(options.outcome) ? options.source : ""
  const requests: Update = [ingestRequestsOf({ outcome: options.outcome, source }), 1]
  const duration: Update = [
    requestDurationOf({
      http_request_method: "POST",
      http_route: INGEST_ROUTE,
      http_response_status_code: String(options.status)
    }),
    options.seconds
  ]
  return options.rejection === undefined
    ? [requests, duration]
    : [requests, duration, [ingestRejectionsOf({ reason: options.rejection, source }), 1]]
}

export const recordIngest = gated((options: Parameters<typeof ingestUpdates>[0]) =>
  updateAll(...ingestUpdates(options))
)

/** A request that verified, by scheme and by the index of the secret that verified it. */
export const verifiedUpdate = (scheme: string, secretIndex: number | null): Update => [
  verificationsOf({ scheme, secret_index: secretIndex === null ? "" : String(secretIndex) }),
  1
]

export const recordVerified = gated((scheme: string, secretIndex: number | null) =>
  updateAll(verifiedUpdate(scheme, secretIndex))
)

/** The batch's INSERT: one observation per event in it, so `commit` and `store` count the same requests. */
export const recordCommit = gated((events: number, seconds: number) => updateTimes(phaseSeries.commit, seconds, events))

/** How long each event of a batch waited for it to be taken (the group commit's queue). */
export const recordCommitWait = gated((waits: ReadonlyArray<number>) => {
  const wait = phaseSeries.commit_wait
  return Effect.contextWith((context) => {
    for (const seconds of waits) wait.updateUnsafe(seconds, context)
    return Effect.void
  })
})

export const ingestPhaseUpdate = (phase: "verify" | "store", seconds: number): Update => [phaseSeries[phase], seconds]

export const recordIngestPhase = gated((phase: "verify" | "store", seconds: number) =>
  updateAll(ingestPhaseUpdate(phase, seconds))
)

export const recordBatch = gated((size: number) => updateAll([batchSize, size]))

export const recordFinished = gated((status: string, retryScheduled: boolean) =>
  retryScheduled
    ? updateAll([eventsFinishedOf({ status }), 1], [retriesScheduled, 1])
    : updateAll([eventsFinishedOf({ status }), 1])
)

export const recordAction = gated((targetType: string, result: string, seconds: number) =>
  updateAll(
    [actionsOf({ target_type: targetType, result }), 1],
    [actionDurationOf({ target_type: targetType }), seconds]
  )
)

/**
 * An event processed by the statement that stored it (processAtIngest.ts): a `success` action per launch, taking
 * `seconds`, and the event's outcome.
 */
export const processedAtIngestUpdates = (
  launches: ReadonlyArray<{ readonly target_type: string }>,
  status: string,
  seconds: number
): ReadonlyArray<Update> => {
  const updates: Array<Update> = [[eventsFinishedOf({ status }), 1]]
  for (const launch of launches)
    updates.push(
      [actionsOf({ target_type: launch.target_type, result: "success" }), 1],
      [actionDurationOf({ target_type: launch.target_type }), seconds]
    )
  return updates
}

/** A route whose filter could not decide (issue 21): an action that did not run, so no duration. */
export const recordSkippedAction = gated((targetType: string) =>
  Metric.update(actionsOf({ target_type: targetType, result: "skipped" }), 1)
)

export const recordQueue = gated(
  (
    counts: { readonly pending: number; readonly processing: number; readonly retry: number },
    oldestPendingSeconds: number
  ) =>
    Effect.all(
      [
        Metric.update(queueEventsOf({ state: "pending" }), counts.pending),
        Metric.update(queueEventsOf({ state: "processing" }), counts.processing),
        Metric.update(queueEventsOf({ state: "retry" }), counts.retry),
        Metric.update(oldestPending, oldestPendingSeconds)
      ],
      { discard: true }
    )
)

export const recordOperation = gated((operation: "reprocess" | "reverify", result: string, count: number) =>
  count === 0 ? Effect.void : Metric.update(operationsOf({ operation, result }), count)
)

const CONNECTION_STATES = ["active", "idle", "idle in transaction"]

export const recordConnections = gated((states: ReadonlyArray<{ readonly state: string; readonly count: number }>) =>
  Effect.forEach(
    [...new Set([...CONNECTION_STATES, ...states.map((row) => row.state)])],
    (state) => Metric.update(databaseConnectionsOf({ state }), states.find((row) => row.state === state)?.count ?? 0),
    { discard: true }
  )
)

export const recordPool = gated((stats: Pool.Stats) =>
  Effect.all(
    [
      Metric.update(poolConnectionsOf({ state: "used" }), stats.used),
      Metric.update(poolConnectionsOf({ state: "idle" }), stats.idle),
      Metric.update(poolPending, stats.pending),
      Metric.update(poolMax, stats.max)
    ],
    { discard: true }
  )
)

export const recordIngestFirst = gated((active: boolean, waiting: number) =>
  Effect.all([Metric.update(ingestFirstActive, active ? 1 : 0), Metric.update(heldBack, waiting)], { discard: true })
)
