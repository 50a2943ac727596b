import { Schema } from "effect"
import { RouteId, SourceId, TenantId } from "./ids.ts"

/** A row of `p_eventhook__route`. */
export const Route = Schema.Struct({
  id: RouteId,
  source_id: SourceId,
  tenant_id: TenantId,
  name: Schema.String,
  priority: Schema.Int,
  is_enabled: Schema.Boolean,
  target_type: Schema.String,
  target_config: Schema.Unknown,
  filter_event_types: Schema.NullOr(Schema.Array(Schema.String)),
  /** A CEL expression over the event; the route matches when it is true (issue 21). */
  filter: Schema.NullOr(Schema.String),
  /** A CEL expression whose value (a map) is the target's input instead of the payload. */
  transform: Schema.NullOr(Schema.String),
  created_at: Schema.Date
})
export type Route = typeof Route.Type

/** A route as processing reads it: with its source's slug (what an expression sees as `source`). */
export const EnabledRoute = Schema.Struct({
  ...Route.fields,
  source_slug: Schema.String
})
export type EnabledRoute = typeof EnabledRoute.Type

/** A route as operators manage it. */
export const RouteRecord = Schema.Struct({
  ...Route.fields,
  source_slug: Schema.String,
  updated_at: Schema.Date
})
export type RouteRecord = typeof RouteRecord.Type
