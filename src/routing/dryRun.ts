import { exactForAnyStringify } from "../domain/exactIntegers.ts"
import { routeMatches } from "./matchRoutes.ts"
import { applyTransform, decideFilter, type ExpressiveRoute, expressionInputOf } from "./routeFilters.ts"

// A route's dry run (issue 21): a candidate route judged against stored events, executing nothing.

export interface CandidateRoute extends ExpressiveRoute {
  readonly filter_event_types: ReadonlyArray<string> | null
}

export interface PastEvent {
  readonly id: string
  readonly event_type: string | null
  readonly received_at: Date
  readonly headers: Readonly<Record<string, string>>
  readonly parsed_payload: unknown
}

export interface DryRunSample {
  readonly event_id: string
  readonly event_type: string | null
  readonly received_at: string
  /** Matched: the target's input (the transform's value, or the payload). */
  readonly input?: unknown
  /** Unmatched or skipped: why; matched: why the transform failed. */
  readonly reason?: string
}

export interface DryRunReport {
  /** Events judged (the window). */
  readonly events: number
  readonly matched: number
  readonly unmatched: number
  /** The filter could not decide (an evaluation error): no match, recorded as a `skipped` action when live. */
  readonly skipped: number
  /** Matched, but the transform failed: the action would fail, not retried. */
  readonly transform_failed: number
  readonly samples: {
    readonly matched: ReadonlyArray<DryRunSample>
    readonly unmatched: ReadonlyArray<DryRunSample>
    readonly skipped: ReadonlyArray<DryRunSample>
  }
}

export const dryRun = (
  route: CandidateRoute,
  events: ReadonlyArray<PastEvent>,
  sourceSlug: string,
  samplesEach: number
): DryRunReport => {
  const samples = {
    matched: [] as Array<DryRunSample>,
    unmatched: [] as Array<DryRunSample>,
    skipped: [] as Array<DryRunSample>
  }
  const counts = { matched: 0, unmatched: 0, skipped: 0, transform_failed: 0 }
  const keep = (kind: keyof typeof samples, sample: DryRunSample) => {
    if (samples[kind].length < samplesEach) samples[kind].push(sample)
  }
  for (const event of events) {
    const base = { event_id: event.id, event_type: event.event_type, received_at: event.received_at.toISOString() }
    const input = () => expressionInputOf(event, sourceSlug)
    if (!routeMatches(route, event.event_type)) {
      counts.unmatched++
      keep("unmatched", {
        ...base,
        reason: `event type ${JSON.stringify(event.event_type)} is not in filter_event_types`
      })
      continue
    }
    const decision = decideFilter(route, input)
    if (decision._tag === "NoMatch") {
      counts.unmatched++
      keep("unmatched", { ...base, reason: "the filter is false" })
      continue
    }
    if (decision._tag === "Skip") {
      counts.skipped++
      keep("skipped", { ...base, reason: decision.reason })
      continue
    }
    counts.matched++
    const transformed = applyTransform(route, input)
    if (transformed._tag === "Failed") {
      counts.transform_failed++
      keep("matched", { ...base, reason: transformed.reason })
    } else
      keep("matched", {
        ...base,
        // Large integers written exactly by whatever stringifies the report (the API's JSON, the CLI).
        input: exactForAnyStringify(transformed._tag === "Transformed" ? transformed.value : event.parsed_payload)
      })
  }
  return { events: events.length, ...counts, samples }
}
