import { Schema } from "effect"
import { SourceId, TenantId } from "./ids.ts"

/** A row of `p_eventhook__source`; the configs stay raw JSON here and are decoded where they are used. */
export const Source = Schema.Struct({
  id: SourceId,
  tenant_id: TenantId,
  name: Schema.String,
  slug: Schema.String,
  is_enabled: Schema.Boolean,
  verifier_type: Schema.NullOr(Schema.String),
  verifier_config: Schema.Unknown,
  idempotency_key_paths: Schema.NullOr(Schema.Array(Schema.String)),
  event_type_config: Schema.Unknown,
  rate_limit_per_second: Schema.NullOr(Schema.Number),
  rate_limit_burst: Schema.NullOr(Schema.Int)
})
export type Source = typeof Source.Type

/** `event_type_config`: where a source's event type is found (CONTRACT §7). */
export const EventTypeConfig = Schema.Struct({
  header: Schema.optionalKey(Schema.NonEmptyString),
  path: Schema.optionalKey(Schema.NonEmptyString)
})
export type EventTypeConfig = typeof EventTypeConfig.Type

/** A source as operators manage it: the row with its description and timestamps. */
export const SourceRecord = Schema.Struct({
  ...Source.fields,
  description: Schema.NullOr(Schema.String),
  created_at: Schema.Date,
  updated_at: Schema.Date
})
export type SourceRecord = typeof SourceRecord.Type
