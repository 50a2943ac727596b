import { Schema } from "effect"
import { EventId, type RouteId, SourceId, TenantId } from "./ids.ts"

export const EventStatus = Schema.Literals([
  "pending",
  "processing",
  "delivered",
  "unrouted",
  "failed",
  "rejected",
  "duplicate"
])
export type EventStatus = typeof EventStatus.Type

/** What the ingest pipeline stores for one request (CONTRACT §4). */
export interface NewEvent {
  readonly tenant_id: TenantId
  readonly source_id: SourceId
  readonly content_type: string | null
  readonly raw_payload: Uint8Array
  readonly parsed_payload: unknown
  readonly headers: Readonly<Record<string, string>>
  readonly event_type: string | null
  readonly idempotency_key: string | null
  readonly status: "pending" | "failed" | "rejected"
  readonly max_retries: number
  readonly last_error: string | null
  readonly verified: boolean
  readonly verification_error: string | null
  readonly verified_secret_index: number | null
  readonly source_ip: string | null
  /**
   * Set when the event is stored already leased to this instance's workers, which are handed it in memory
   * after the commit (no claim, no read back). It stays `pending` meanwhile; the lease keeps sweepers off it.
   */
  readonly lease?: EventLease | null
  /** The W3C traceparent of the request that stored it, when tracing is on. */
  readonly trace_parent?: string | null
  /** See `Interpreted.parsed_is_body`. */
  readonly parsed_is_body?: boolean
  /** The id to store it under; chosen by the store when absent. */
  readonly id?: EventId
  /** Its processing, when its own statement does it (src/processing/processAtIngest.ts). */
  readonly processed?: ProcessedAtIngest | null
}

/** A workflow or task a new event's statement creates (the reference host's tables). */
export interface LaunchAtIngest {
  readonly route_id: RouteId
  readonly target_type: "workflow" | "task"
  /** Chosen by the service, as the reference host's launcher chooses it. */
  readonly execution_id: string
  readonly kind: string
  readonly queue: string
  /** The route's transform of the payload; null: the payload as stored. */
  readonly transformed: { readonly value: unknown } | null
  /** The key the launcher would claim: derived from the new event's id, so no other launch holds it. */
  readonly idempotency_key: string
}

/** A new event's processing done by its own statement: its final status and what it launched. */
export interface ProcessedAtIngest {
  readonly status: "delivered" | "unrouted"
  /** In the order processing would run them (tiers, highest priority first). */
  readonly launches: ReadonlyArray<LaunchAtIngest>
}

/** Who holds an event (`locked_by`) and for how long at a time (`locked_until` = now + seconds). */
export interface EventLease {
  readonly holder: string
  readonly seconds: number
}

/** The outcome of storing an event: a duplicate is stored too, and names the event it repeats. */
export type StoredEvent =
  /** `processed`: its processing was committed with it (`NewEvent.processed`). */
  | { readonly _tag: "Stored"; readonly id: EventId; readonly processed: boolean }
  | { readonly _tag: "Duplicate"; readonly id: EventId; readonly duplicateOf: EventId }

/** What processing needs of an event. */
export const EventForProcessing = Schema.Struct({
  id: EventId,
  tenant_id: TenantId,
  source_id: SourceId,
  /** The exact bytes received, and their media type: what an `http` target forwards. */
  content_type: Schema.NullOr(Schema.String),
  raw_payload: Schema.Uint8Array,
  parsed_payload: Schema.Unknown,
  headers: Schema.Record(Schema.String, Schema.String),
  event_type: Schema.NullOr(Schema.String),
  retry_count: Schema.Int,
  max_retries: Schema.Int,
  /** Routes whose action already succeeded on an earlier attempt: they are not run again. */
  succeeded_route_ids: Schema.Array(Schema.String),
  /** The size of the raw body: what the event weighs in memory while it waits or is processed. */
  body_bytes: Schema.Int,
  /** The traceparent of the request that stored it (tracing on), which its processing links to. */
  trace_parent: Schema.NullOr(Schema.String),
  received_at: Schema.Date
})
export type EventForProcessing = typeof EventForProcessing.Type

/**
 * A new event just stored, as processing needs it: what the table would give back for it (no attempt yet, no
 * route done), without reading it back. `receivedAt` is when its commit was seen, by this instance's clock (read
 * back, it is the database's `received_at`, a moment earlier).
 */
export const newEventForProcessing = (id: EventId, event: NewEvent, receivedAt: Date): EventForProcessing => ({
  id,
  tenant_id: event.tenant_id,
  source_id: event.source_id,
  content_type: event.content_type,
  raw_payload: event.raw_payload,
  parsed_payload: event.parsed_payload,
  headers: event.headers,
  event_type: event.event_type,
  retry_count: 0,
  max_retries: event.max_retries,
  succeeded_route_ids: [],
  body_bytes: event.raw_payload.byteLength,
  trace_parent: event.trace_parent ?? null,
  received_at: receivedAt
})

/** A row of `p_eventhook__event`, as operators and tests read it. */
export const Event = Schema.Struct({
  id: EventId,
  tenant_id: TenantId,
  source_id: SourceId,
  content_type: Schema.NullOr(Schema.String),
  raw_payload: Schema.Uint8Array,
  parsed_payload: Schema.Unknown,
  headers: Schema.Record(Schema.String, Schema.String),
  event_type: Schema.NullOr(Schema.String),
  idempotency_key: Schema.NullOr(Schema.String),
  is_duplicate: Schema.Boolean,
  duplicate_of: Schema.NullOr(EventId),
  status: EventStatus,
  retry_count: Schema.Int,
  max_retries: Schema.Int,
  next_retry_at: Schema.NullOr(Schema.Date),
  last_error: Schema.NullOr(Schema.String),
  verified: Schema.Boolean,
  verification_error: Schema.NullOr(Schema.String),
  verified_secret_index: Schema.NullOr(Schema.Int),
  received_at: Schema.Date,
  processed_at: Schema.NullOr(Schema.Date),
  source_ip: Schema.NullOr(Schema.String)
})
export type Event = typeof Event.Type

/** An event in a listing: the row without its payload and headers, with its source's slug and body size. */
export const EventSummary = Schema.Struct({
  id: EventId,
  source_id: SourceId,
  source_slug: Schema.String,
  status: EventStatus,
  event_type: Schema.NullOr(Schema.String),
  idempotency_key: Schema.NullOr(Schema.String),
  is_duplicate: Schema.Boolean,
  duplicate_of: Schema.NullOr(EventId),
  content_type: Schema.NullOr(Schema.String),
  size_bytes: Schema.Int,
  verified: Schema.Boolean,
  verification_error: Schema.NullOr(Schema.String),
  retry_count: Schema.Int,
  max_retries: Schema.Int,
  next_retry_at: Schema.NullOr(Schema.Date),
  last_error: Schema.NullOr(Schema.String),
  received_at: Schema.Date,
  processed_at: Schema.NullOr(Schema.Date),
  source_ip: Schema.NullOr(Schema.String)
})
export type EventSummary = typeof EventSummary.Type

/** Which events a listing wants; `after` continues a listing after that event (the last of the previous page). */
export interface EventSearch {
  readonly sourceId?: SourceId
  readonly status?: EventStatus
  readonly eventType?: string
  readonly from?: Date
  readonly to?: Date
  readonly after?: EventId
  /** Payload search: events whose parsed payload contains this JSON value (`@>`). */
  readonly payloadContains?: unknown
  /** Payload search: the text at this path of the parsed payload (`#>>`) equals `value`. */
  readonly payloadAt?: { readonly path: ReadonlyArray<string>; readonly value: string }
  readonly limit: number
}

/** What a verified body yields: its parsed payload, event type and dedupe key. */
export interface Interpreted {
  readonly parsed_payload: unknown
  readonly event_type: string | null
  readonly idempotency_key: string | null
  /**
   * The parsed payload is the body itself, a JSON document (object or array) in UTF-8 without a byte order mark:
   * PostgreSQL can parse the stored bytes into `parsed_payload` itself (jsonb), so they need not be sent twice.
   */
  readonly parsed_is_body?: boolean
}
