import { Effect, Schema, SchemaIssue } from "effect"
import { EventStatus } from "../domain/Event.ts"
import { invalidRequest } from "../domain/operatorErrors.ts"
import { EventTypeConfig } from "../domain/Source.ts"
import { firstUnstorable } from "../domain/storable.ts"
import { TargetType } from "../domain/TargetConfig.ts"
import { ValuePath } from "../domain/ValuePath.ts"
import { ProviderName } from "./providers.ts"

// What operators send to the admin API and the CLI, checked at write time (issue 6): a clear 400 naming the
// field. The same schemas describe the payloads in the OpenAPI document.

export const Slug = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
    message: "must be 1–63 characters: lower-case letters, digits, '-' or '_', starting with a letter or digit"
  })
).annotate({ description: "URL-safe identifier, e.g. `stripe-live`" })

export const Name = Schema.String.check(
  Schema.isMinLength(1, { message: "must not be empty" }),
  Schema.isMaxLength(200, { message: "must be at most 200 characters" })
)
const Description = Schema.String.check(Schema.isMaxLength(2000, { message: "must be at most 2000 characters" }))

export const Uuid = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: "must be a UUID" })
)

export const isUuid = Schema.is(Uuid)

const RatePerSecond = Schema.Number.check(
  Schema.isFinite(),
  Schema.isBetween({ minimum: 0.001, maximum: 100_000 }, { message: "must be between 0.001 and 100000" })
)
const RateBurst = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: 100_000 }, { message: "must be an integer between 1 and 100000" })
)
const Priority = Schema.Int.check(
  Schema.isBetween({ minimum: -1_000_000, maximum: 1_000_000 }, { message: "must be an integer within ±1000000" })
)

const EventTypeName = Schema.String.check(
  Schema.isMinLength(1, { message: "must not be empty" }),
  Schema.isMaxLength(200, { message: "must be at most 200 characters" })
)
export const EventTypeFilter = Schema.Array(EventTypeName).check(
  Schema.makeFilter((types: ReadonlyArray<string>) =>
    new Set(types).size === types.length ? undefined : "must not list an event type twice"
  )
)

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

const fieldName = (path: ReadonlyArray<string | number>): string =>
  path
    .map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`))
    .join("")
    .replace(/^\./, "") || "body"

/**
 * Text PostgreSQL cannot store (U+0000, a lone surrogate), in any field, key or value of an operator's input, is
 * refused naming the field (issue 15): it never reaches the database.
 */
const storable = Schema.makeFilter((input: object) => {
  const found = firstUnstorable(input)
  return found === null ? undefined : `${fieldName(found.path)}: ${found.problem}`
})

export const TenantCreate = Schema.Struct({ slug: Slug, name: Schema.optionalKey(Name) }).check(storable)
export type TenantCreate = typeof TenantCreate.Type

const sourceSettings = {
  name: Schema.optionalKey(Name),
  description: Schema.optionalKey(Schema.NullOr(Description)),
  is_enabled: Schema.optionalKey(Schema.Boolean),
  idempotency_key_paths: Schema.optionalKey(
    Schema.NullOr(Schema.Array(ValuePath)).annotate({
      description: "dedupe key paths, first that resolves wins; null = the provider's delivery id; [] = none"
    })
  ),
  event_type_config: Schema.optionalKey(Schema.NullOr(EventTypeConfig)),
  rate_limit_per_second: Schema.optionalKey(Schema.NullOr(RatePerSecond)),
  rate_limit_burst: Schema.optionalKey(Schema.NullOr(RateBurst))
}

export const SourceCreate = Schema.Struct({
  slug: Slug,
  ...sourceSettings,
  provider: Schema.optionalKey(ProviderName).annotate({
    description: "a preset that fills verifier_config's type (see GET …/eventhook/providers)"
  }),
  secret: Schema.optionalKey(Schema.NonEmptyString).annotate({
    description: "with `provider`: the signing secret (write-only, never returned)"
  }),
  verifier_config: Schema.optionalKey(JsonObject).annotate({
    description: "CONTRACT §5, tagged by `type`; with `provider`, extra fields of that provider's verifier"
  })
}).check(storable)
export type SourceCreate = typeof SourceCreate.Type

export const SourceUpdate = Schema.Struct({
  ...sourceSettings,
  verifier_config: Schema.optionalKey(JsonObject).annotate({
    description: "replaces the verifier; secret fields left out are kept when the type does not change"
  })
}).check(storable)
export type SourceUpdate = typeof SourceUpdate.Type

export const RotateSecret = Schema.Struct({
  secret: Schema.NonEmptyString.annotate({ description: "the new secret (write-only)" }),
  keep_previous: Schema.optionalKey(Schema.Boolean).annotate({
    description: "keep the current secret(s) valid too, for a gap-free rotation (default true)"
  })
}).check(storable)
export type RotateSecret = typeof RotateSecret.Type

export const SourceTest = Schema.Struct({
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)).annotate({
    description: "the request's headers (Content-Type defaults to application/json)"
  }),
  body: Schema.optionalKey(Schema.String).annotate({ description: "the request body as text" }),
  body_base64: Schema.optionalKey(Schema.String).annotate({ description: "or the exact body bytes, base64" }),
  url: Schema.optionalKey(Schema.String).annotate({ description: "the URL the provider called (URL-signing schemes)" })
}).check(storable)
export type SourceTest = typeof SourceTest.Type

const routeSettings = {
  name: Schema.optionalKey(Name),
  priority: Schema.optionalKey(Priority),
  is_enabled: Schema.optionalKey(Schema.Boolean),
  filter_event_types: Schema.optionalKey(Schema.NullOr(EventTypeFilter)),
  filter: Schema.optionalKey(Schema.NullOr(Schema.String)).annotate({
    description: "a CEL expression over body, headers, event_type, source and received_at; true: the route matches"
  }),
  transform: Schema.optionalKey(Schema.NullOr(Schema.String)).annotate({
    description: "a CEL expression whose value (a map) is the target's input instead of the payload"
  })
}

export const RouteCreate = Schema.Struct({
  source: Slug.annotate({ description: "the slug of the route's source" }),
  ...routeSettings,
  target_type: TargetType,
  target_config: JsonObject.annotate({ description: "CONTRACT §6, the shape `target_type` says" })
}).check(storable)
export type RouteCreate = typeof RouteCreate.Type

export const RouteUpdate = Schema.Struct({
  ...routeSettings,
  target_type: Schema.optionalKey(TargetType),
  target_config: Schema.optionalKey(JsonObject)
}).check(storable)
export type RouteUpdate = typeof RouteUpdate.Type

const Limit = (maximum: number) =>
  Schema.Int.check(
    Schema.isBetween({ minimum: 1, maximum }, { message: `must be an integer between 1 and ${maximum}` })
  )
// Years 1–9999: what ISO 8601 writes without an expanded year, and well inside PostgreSQL's timestamptz range
// (4713 BC–294276 AD), so a date that passes is one the database takes (issue 15: beyond it was a 500).
const EARLIEST = Date.parse("0001-01-01T00:00:00Z")
const LATEST = Date.parse("9999-12-31T23:59:59.999Z")
const Timestamp = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const millis = Date.parse(text)
    if (Number.isNaN(millis)) return "must be an ISO 8601 timestamp"
    return millis < EARLIEST || millis > LATEST ? "must be between the years 0001 and 9999" : undefined
  })
)

/** `POST …/routes/test` (issue 21): a candidate route judged against the source's stored events. */
export const RouteTest = Schema.Struct({
  source: Slug.annotate({ description: "the slug of the source whose events are replayed" }),
  filter_event_types: routeSettings.filter_event_types,
  filter: routeSettings.filter,
  transform: routeSettings.transform,
  target_type: Schema.optionalKey(TargetType),
  target_config: Schema.optionalKey(JsonObject),
  since: Schema.optionalKey(Timestamp).annotate({ description: "only events received at or after (ISO 8601)" }),
  limit: Schema.optionalKey(Limit(10_000)).annotate({ description: "the newest N events (default 1000)" }),
  samples: Schema.optionalKey(Limit(50)).annotate({ description: "samples of each kind (default 5)" })
}).check(storable)
export type RouteTest = typeof RouteTest.Type

export const EventFilter = Schema.Struct({
  source: Schema.optionalKey(Slug),
  status: Schema.optionalKey(EventStatus),
  event_type: Schema.optionalKey(EventTypeName),
  since: Schema.optionalKey(Timestamp).annotate({ description: "received at or after (ISO 8601)" }),
  until: Schema.optionalKey(Timestamp).annotate({ description: "received before (ISO 8601)" })
})
export type EventFilter = typeof EventFilter.Type

const JsonText = Schema.String.check(
  Schema.makeFilter((text: string) => {
    try {
      const value: unknown = JSON.parse(text)
      return typeof value === "object" && value !== null ? undefined : "must be a JSON object or array"
    } catch {
      return "must be JSON"
    }
  })
)

/** `GET …/events` query: strings, as a query string carries them. */
export const EventListQuery = Schema.Struct({
  ...EventFilter.fields,
  payload_contains: Schema.optionalKey(JsonText).annotate({
    description:
      'payload search: events whose payload contains this JSON (`{"data":{"object":{"customer":"cus_1"}}}`); needs `since`'
  }),
  payload_path: Schema.optionalKey(ValuePath).annotate({
    description:
      "payload search: the value at this path (`body.data.object.customer`) equals `payload_value`; needs `since`"
  }),
  payload_value: Schema.optionalKey(Schema.String).annotate({ description: "the value `payload_path` must have" }),
  limit: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))
  ),
  cursor: Schema.optionalKey(Schema.String).annotate({ description: "`next_cursor` of the previous page" })
}).check(storable)
export type EventListQuery = typeof EventListQuery.Type

/** `GET …/events/stream` query (issue 17). */
export const EventStreamQuery = Schema.Struct({
  source: Schema.optionalKey(Slug).annotate({ description: "only this source's events" }),
  event_types: Schema.optionalKey(Schema.String).annotate({ description: "only these event types, comma-separated" }),
  replay: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 1000 }))
  ).annotate({ description: "send the last N stored events first (0–1000)" })
}).check(storable)
export type EventStreamQuery = typeof EventStreamQuery.Type

export const ReprocessRequest = Schema.Struct({
  event_ids: Schema.optionalKey(Schema.Array(Uuid).check(Schema.isMaxLength(10_000))),
  filter: Schema.optionalKey(
    Schema.Struct({ ...EventFilter.fields, status: Schema.optionalKey(Schema.Literals(["failed", "unrouted"])) })
  ),
  limit: Schema.optionalKey(Limit(10_000)).annotate({ description: "required with `filter`" })
}).check(storable)
export type ReprocessRequest = typeof ReprocessRequest.Type

export const ReverifyRequest = Schema.Struct({
  event_ids: Schema.optionalKey(Schema.Array(Uuid).check(Schema.isMaxLength(10_000))),
  source: Schema.optionalKey(Slug),
  since: Schema.optionalKey(Timestamp),
  until: Schema.optionalKey(Timestamp),
  limit: Schema.optionalKey(Limit(10_000)).annotate({ description: "required with `source`" })
}).check(storable)
export type ReverifyRequest = typeof ReverifyRequest.Type

const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * `Expected …\n  at ["a"][0]` → `a[0]: Expected …`: the field first, as an operator reads it; under `parent`
 * when the text is about a field of it.
 */
export const fieldFirst = (formatted: string, parent?: string): string => {
  let named = false
  const text = formatted.replace(/^(.*?)\s+at ((?:\[[^\]]*\])+)$/gm, (_, message: string, path: string) => {
    named = true
    const field = path.replace(/\["([^"]*)"\]/g, ".$1").replace(/^\./, "")
    return `${parent === undefined ? "" : `${parent}.`}${field}: ${message}`
  })
  return named || parent === undefined ? text : `${parent}: ${text}`
}

/** A schema issue in words, field first. */
export const describeIssue = (issue: SchemaIssue.Issue): string => fieldFirst(formatIssue(issue))

/** Decodes operator input (the CLI's; the admin API's is decoded by HttpApi): a 400 naming the field. */
export const validate =
  <S extends Schema.Decoder<unknown>>(schema: S) =>
  (input: unknown): Effect.Effect<S["Type"], ReturnType<typeof invalidRequest>> =>
    Schema.decodeUnknownEffect(schema)(input, { onExcessProperty: "error" }).pipe(
      Effect.mapError((error) => invalidRequest(describeIssue(error.issue)))
    )
