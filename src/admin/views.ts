import { Schema } from "effect"
import type { Event, EventSummary } from "../domain/Event.ts"
import type { EventAction } from "../domain/EventAction.ts"
import { exactForAnyStringify } from "../domain/exactIntegers.ts"
import type { RouteRecord } from "../domain/Route.ts"
import type { SourceRecord } from "../domain/Source.ts"
import { SECRET_FIELDS } from "../domain/secretFields.ts"
import type { TenantRecord } from "../domain/Tenant.ts"
import type { StreamedEvent } from "../store/EventReads.ts"
import { visibleTargetConfig } from "./targetSecrets.ts"

// What the admin API and the CLI's --json print: snake_case JSON like the ingest endpoint, timestamps in
// ISO 8601, and never a secret (issue 6: secrets are write-only).

const countSecrets = (config: Record<string, unknown>): number =>
  SECRET_FIELDS.reduce((count, field) => {
    const value = config[field]
    return count + (Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1)
  }, 0)

/** The verifier config with its secrets replaced by how many there are. */
export const redactVerifierConfig = (config: unknown): Record<string, unknown> | null => {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return null
  const record = config as Record<string, unknown>
  const visible = Object.fromEntries(
    Object.entries(record).filter(([key]) => !(SECRET_FIELDS as ReadonlyArray<string>).includes(key))
  )
  return { ...visible, secrets_configured: countSecrets(record) }
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
const Timestamp = Schema.String
const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

export const TenantView = Schema.Struct({
  id: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  created_at: Schema.NullOr(Timestamp)
})
export type TenantView = typeof TenantView.Type
export const tenantView = (tenant: TenantRecord): TenantView => ({ ...tenant, created_at: iso(tenant.created_at) })

export const SourceView = Schema.Struct({
  id: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  is_enabled: Schema.Boolean,
  verifier_type: Schema.NullOr(Schema.String),
  verifier_config: Schema.NullOr(JsonObject).annotate({
    description: "the verifier without its secrets; `secrets_configured` counts them"
  }),
  idempotency_key_paths: Schema.NullOr(Schema.Array(Schema.String)),
  event_type_config: Schema.Unknown,
  rate_limit_per_second: Schema.NullOr(Schema.Number),
  rate_limit_burst: Schema.NullOr(Schema.Int),
  ingest_url: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp
})
export type SourceView = typeof SourceView.Type
export const sourceView = (source: SourceRecord, ingestUrl: string): SourceView => ({
  id: source.id,
  slug: source.slug,
  name: source.name,
  description: source.description,
  is_enabled: source.is_enabled,
  verifier_type: source.verifier_type,
  verifier_config: redactVerifierConfig(source.verifier_config),
  idempotency_key_paths: source.idempotency_key_paths,
  event_type_config: source.event_type_config,
  rate_limit_per_second: source.rate_limit_per_second,
  rate_limit_burst: source.rate_limit_burst,
  ingest_url: ingestUrl,
  created_at: source.created_at.toISOString(),
  updated_at: source.updated_at.toISOString()
})

export const RouteView = Schema.Struct({
  id: Schema.String,
  source: Schema.String,
  name: Schema.String,
  priority: Schema.Int,
  is_enabled: Schema.Boolean,
  target_type: Schema.String,
  target_config: Schema.Unknown,
  filter_event_types: Schema.NullOr(Schema.Array(Schema.String)),
  filter: Schema.NullOr(Schema.String),
  transform: Schema.NullOr(Schema.String),
  created_at: Timestamp,
  updated_at: Timestamp
})
export type RouteView = typeof RouteView.Type
export const routeView = (route: RouteRecord): RouteView => ({
  id: route.id,
  source: route.source_slug,
  name: route.name,
  priority: route.priority,
  is_enabled: route.is_enabled,
  target_type: route.target_type,
  target_config: visibleTargetConfig(route.target_type, route.target_config),
  filter_event_types: route.filter_event_types,
  filter: route.filter,
  transform: route.transform,
  created_at: route.created_at.toISOString(),
  updated_at: route.updated_at.toISOString()
})

export const EventSummaryView = Schema.Struct({
  id: Schema.String,
  source: Schema.String,
  status: Schema.String,
  event_type: Schema.NullOr(Schema.String),
  idempotency_key: Schema.NullOr(Schema.String),
  is_duplicate: Schema.Boolean,
  duplicate_of: Schema.NullOr(Schema.String),
  content_type: Schema.NullOr(Schema.String),
  size_bytes: Schema.Int,
  verified: Schema.Boolean,
  verification_error: Schema.NullOr(Schema.String),
  retry_count: Schema.Int,
  max_retries: Schema.Int,
  next_retry_at: Schema.NullOr(Timestamp),
  last_error: Schema.NullOr(Schema.String),
  received_at: Timestamp,
  processed_at: Schema.NullOr(Timestamp),
  source_ip: Schema.NullOr(Schema.String)
})
export type EventSummaryView = typeof EventSummaryView.Type
export const eventSummaryView = (event: EventSummary): EventSummaryView => ({
  id: event.id,
  source: event.source_slug,
  status: event.status,
  event_type: event.event_type,
  idempotency_key: event.idempotency_key,
  is_duplicate: event.is_duplicate,
  duplicate_of: event.duplicate_of,
  content_type: event.content_type,
  size_bytes: event.size_bytes,
  verified: event.verified,
  verification_error: event.verification_error,
  retry_count: event.retry_count,
  max_retries: event.max_retries,
  next_retry_at: iso(event.next_retry_at),
  last_error: event.last_error,
  received_at: event.received_at.toISOString(),
  processed_at: iso(event.processed_at),
  source_ip: event.source_ip
})

export const ActionView = Schema.Struct({
  id: Schema.String,
  route_id: Schema.NullOr(Schema.String),
  target_type: Schema.String,
  status: Schema.String,
  workflow_execution_id: Schema.NullOr(Schema.String),
  task_execution_id: Schema.NullOr(Schema.String),
  promise_id: Schema.NullOr(Schema.String),
  error_message: Schema.NullOr(Schema.String),
  response_status: Schema.NullOr(Schema.Int),
  response_ms: Schema.NullOr(Schema.Int),
  response_body: Schema.NullOr(Schema.String),
  started_at: Schema.NullOr(Timestamp),
  completed_at: Schema.NullOr(Timestamp)
})
export type ActionView = typeof ActionView.Type
const actionView = (action: EventAction): ActionView => ({
  id: action.id,
  route_id: action.route_id,
  target_type: action.target_type,
  status: action.status,
  workflow_execution_id: action.workflow_execution_id,
  task_execution_id: action.task_execution_id,
  promise_id: action.promise_id,
  error_message: action.error_message,
  response_status: action.response_status,
  response_ms: action.response_ms,
  response_body: action.response_body,
  started_at: iso(action.started_at),
  completed_at: iso(action.completed_at)
})

/** One event of the event stream (`data:` of an SSE `event`): with the exact bytes, base64. */
export const StreamedEventView = Schema.Struct({
  id: Schema.String,
  source: Schema.String,
  event_type: Schema.NullOr(Schema.String),
  status: Schema.String,
  is_duplicate: Schema.Boolean,
  verified: Schema.Boolean,
  received_at: Timestamp,
  content_type: Schema.NullOr(Schema.String),
  headers: Schema.Record(Schema.String, Schema.String),
  body_base64: Schema.String
})
export type StreamedEventView = typeof StreamedEventView.Type
export const streamedEventView = (event: StreamedEvent): StreamedEventView => ({
  id: event.id,
  source: event.source_slug,
  event_type: event.event_type,
  status: event.status,
  is_duplicate: event.is_duplicate,
  verified: event.verified,
  received_at: event.received_at.toISOString(),
  content_type: event.content_type,
  headers: event.headers,
  body_base64: Buffer.from(event.raw_payload).toString("base64")
})

export const EventDetailView = Schema.Struct({
  ...EventSummaryView.fields,
  headers: Schema.Record(Schema.String, Schema.String),
  /** Which of the source's secrets verified it (its position in the list), when one did. */
  verified_secret_index: Schema.NullOr(Schema.Int),
  parsed_payload: Schema.Unknown,
  actions: Schema.Array(ActionView)
})
export type EventDetailView = typeof EventDetailView.Type
export const eventDetailView = (
  event: Event,
  sourceSlug: string,
  actions: ReadonlyArray<EventAction>
): EventDetailView => ({
  ...eventSummaryView({ ...event, source_slug: sourceSlug, size_bytes: event.raw_payload.length }),
  headers: event.headers,
  verified_secret_index: event.verified_secret_index,
  parsed_payload: exactForAnyStringify(event.parsed_payload),
  actions: actions.map(actionView)
})

const DryRunSampleView = Schema.Struct({
  event_id: Schema.String,
  event_type: Schema.NullOr(Schema.String),
  received_at: Schema.String,
  input: Schema.optionalKey(Schema.Unknown),
  reason: Schema.optionalKey(Schema.String)
})

/** What a route's dry run says (issue 21): counts over the window and samples of each kind. */
export const RouteTestView = Schema.Struct({
  source: Schema.String,
  events: Schema.Int,
  matched: Schema.Int,
  unmatched: Schema.Int,
  skipped: Schema.Int,
  transform_failed: Schema.Int,
  samples: Schema.Struct({
    matched: Schema.Array(DryRunSampleView),
    unmatched: Schema.Array(DryRunSampleView),
    skipped: Schema.Array(DryRunSampleView)
  })
})
export type RouteTestView = typeof RouteTestView.Type
