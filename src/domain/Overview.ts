import { Schema } from "effect"

// A tenant at a glance, as the dashboard's overview shows it (issue 20; EventStats reads it).

export const Counts = Schema.Struct({
  received: Schema.Int,
  accepted: Schema.Int,
  delivered: Schema.Int,
  failed: Schema.Int,
  unrouted: Schema.Int,
  rejected: Schema.Int,
  duplicates: Schema.Int
})
export type Counts = typeof Counts.Type

export const SourceOverview = Schema.Struct({
  source: Schema.String,
  is_enabled: Schema.Boolean,
  hour: Counts,
  day: Counts,
  /** The last day's rejections by reason (`signature_mismatch`, `timestamp_out_of_range`…). */
  rejected_by_reason: Schema.Record(Schema.String, Schema.Int),
  /** The last day's verified requests by the index of the secret that verified them. */
  verified_by_secret_index: Schema.Record(Schema.String, Schema.Int),
  /** Events waiting (pending, processing, or failed with a retry due), whenever received. */
  backlog: Schema.Int,
  oldest_pending_seconds: Schema.NullOr(Schema.Number),
  /** Requests received per bucket over the last day, oldest first. */
  rate: Schema.Array(Schema.Int)
})
export type SourceOverview = typeof SourceOverview.Type

export const TenantOverview = Schema.Struct({
  generated_at: Schema.String,
  bucket_seconds: Schema.Int,
  sources: Schema.Array(SourceOverview)
})
export type TenantOverview = typeof TenantOverview.Type
