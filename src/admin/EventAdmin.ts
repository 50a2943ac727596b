import { Context, Effect, Layer, Option } from "effect"
import { parseJsonKeepingLargeIntegers } from "../domain/exactIntegers.ts"
import type { EventId, SourceId } from "../domain/ids.ts"
import type { TenantOverview } from "../domain/Overview.ts"
import {
  type InvalidRequestResponse,
  invalidRequest,
  type NotFoundResponse,
  notFound
} from "../domain/operatorErrors.ts"
import type { Tenant } from "../domain/Tenant.ts"
import { Reverify } from "../ingest/Reverify.ts"
import { Reprocess } from "../processing/Reprocess.ts"
import { EventActionRepo } from "../store/EventActionRepo.ts"
import { EventReads } from "../store/EventReads.ts"
import { EventRepo, type ReprocessSelection } from "../store/EventRepo.ts"
import { EventStats } from "../store/EventStats.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { decodeCursor, encodeCursor } from "./cursor.ts"
import { type EventListQuery, isUuid, type ReprocessRequest, type ReverifyRequest } from "./inputs.ts"
import { TenantAdmin } from "./TenantAdmin.ts"
import { type EventDetailView, type EventSummaryView, eventDetailView, eventSummaryView } from "./views.ts"

type AdminError = InvalidRequestResponse | NotFoundResponse

export interface EventPage {
  readonly events: ReadonlyArray<EventSummaryView>
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly next_cursor: string | null
}

export interface ReverifyResult {
  readonly promoted: ReadonlyArray<string>
  readonly duplicates: ReadonlyArray<string>
  readonly invalid_payload: ReadonlyArray<string>
  readonly still_rejected: ReadonlyArray<{ readonly event_id: string; readonly verification_error: string }>
}

const DEFAULT_PAGE = 50

/** Finding events, reading their payloads, replaying and re-verifying them (issue 6). */
export class EventAdmin extends Context.Service<
  EventAdmin,
  {
    /** Newest first; `query` is `EventListQuery` (source, status, event_type, since, until, limit, cursor). */
    readonly list: (tenant: string, query: EventListQuery) => Effect.Effect<EventPage, AdminError>
    readonly get: (tenant: string, id: string) => Effect.Effect<EventDetailView, NotFoundResponse>
    /** The body exactly as received, with its content type. */
    readonly payload: (
      tenant: string,
      id: string
    ) => Effect.Effect<{ readonly contentType: string | null; readonly body: Uint8Array }, NotFoundResponse>
    readonly reprocess: (
      tenant: string,
      input: ReprocessRequest
    ) => Effect.Effect<{ readonly reprocessed: number; readonly event_ids: ReadonlyArray<string> }, AdminError>
    readonly reverify: (tenant: string, input: ReverifyRequest) => Effect.Effect<ReverifyResult, AdminError>
    /** How many events `reprocess` would reset with this request (nothing changes). */
    readonly reprocessPreview: (
      tenant: string,
      input: ReprocessRequest
    ) => Effect.Effect<{ readonly count: number }, AdminError>
    /** The tenant at a glance (the dashboard's overview). */
    readonly overview: (tenant: string) => Effect.Effect<TenantOverview, NotFoundResponse>
  }
>()("eventhook/admin/EventAdmin") {
  static readonly layer = Layer.effect(
    EventAdmin,
    Effect.gen(function* () {
      const tenants = yield* TenantAdmin
      const sources = yield* SourceRepo
      const reads = yield* EventReads
      const actions = yield* EventActionRepo
      const reprocessor = yield* Reprocess
      const reverifier = yield* Reverify
      const eventRepo = yield* EventRepo
      const stats = yield* EventStats

      const sourceIdOf = Effect.fn("EventAdmin.sourceIdOf")(function* (tenant: Tenant, slug: string | undefined) {
        if (slug === undefined) return undefined
        const source = yield* sources.findBySlug(tenant.id, slug)
        if (Option.isNone(source)) return yield* notFound(`source "${slug}" not found in tenant "${tenant.slug}"`)
        return source.value.id as SourceId
      })
      const dateOf = (text: string | undefined) => (text === undefined ? undefined : new Date(text))
      const find = Effect.fn("EventAdmin.find")(function* (tenantSlug: string, id: string) {
        const tenant = yield* tenants.require(tenantSlug)
        const event = isUuid(id) ? yield* reads.findForTenant(tenant.id, id as EventId) : Option.none()
        if (Option.isNone(event)) return yield* notFound(`event "${id}" not found in tenant "${tenantSlug}"`)
        return event.value
      })

      const list = Effect.fn("EventAdmin.list")(function* (tenantSlug: string, query: EventListQuery) {
        const tenant = yield* tenants.require(tenantSlug)
        const { cursor: given, limit: _limit, ...filter } = query
        const scope = { tenantId: tenant.id, filter }
        const after = given === undefined ? undefined : decodeCursor(scope, given)
        if (after === null) return yield* invalidRequest("cursor: is not a cursor this API gave for this listing")
        const limit = query.limit ?? DEFAULT_PAGE
        const payloadSearch = query.payload_contains !== undefined || query.payload_path !== undefined
        // Bounded by time, the search reads the (tenant_id, received_at) index's range and needs none of its own.
        if (payloadSearch && query.since === undefined)
          return yield* invalidRequest("since: required with a payload search (it bounds the events searched)")
        if ((query.payload_path === undefined) !== (query.payload_value === undefined))
          return yield* invalidRequest("payload_value: `payload_path` and `payload_value` go together")
        if (query.payload_path !== undefined && !query.payload_path.startsWith("body."))
          return yield* invalidRequest("payload_path: must be body.<dot.path>")
        const sourceId = yield* sourceIdOf(tenant, query.source)
        const found = yield* reads.search(tenant.id, {
          ...(sourceId === undefined ? {} : { sourceId }),
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.event_type === undefined ? {} : { eventType: query.event_type }),
          ...(query.since === undefined ? {} : { from: new Date(query.since) }),
          ...(query.until === undefined ? {} : { to: new Date(query.until) }),
          ...(after === undefined ? {} : { after: after as EventId }),
          ...(query.payload_contains === undefined
            ? {}
            : { payloadContains: parseJsonKeepingLargeIntegers(query.payload_contains) }),
          ...(query.payload_path === undefined || query.payload_value === undefined
            ? {}
            : { payloadAt: { path: query.payload_path.split(".").slice(1), value: query.payload_value } }),
          limit
        })
        return {
          events: found.map(eventSummaryView),
          next_cursor: found.length === limit ? encodeCursor(scope, found[found.length - 1]!.id) : null
        } satisfies EventPage
      })

      const get = Effect.fn("EventAdmin.get")(function* (tenantSlug: string, id: string) {
        const event = yield* find(tenantSlug, id)
        const source = yield* sources.findById(event.source_id)
        const sourceSlug = Option.match(source, { onNone: () => "", onSome: (found) => found.source.slug })
        return eventDetailView(event, sourceSlug, yield* actions.listForEvent(event.id))
      })

      const selectionOf = Effect.fn("EventAdmin.selectionOf")(function* (tenant: Tenant, request: ReprocessRequest) {
        if ((request.event_ids === undefined) === (request.filter === undefined))
          return yield* invalidRequest("event_ids: give `event_ids` or `filter` (with `limit`), one of them")
        if (request.filter !== undefined && request.limit === undefined)
          return yield* invalidRequest("limit: required with `filter`")
        const filter = request.filter
        const selection =
          filter === undefined
            ? { _tag: "ByIds" as const, eventIds: (request.event_ids ?? []) as ReadonlyArray<EventId> }
            : {
                _tag: "ByFilter" as const,
                ...(filter.source === undefined ? {} : { sourceId: yield* sourceIdOf(tenant, filter.source) }),
                ...(filter.status === undefined ? {} : { status: filter.status }),
                ...(filter.event_type === undefined ? {} : { eventType: filter.event_type }),
                ...(filter.since === undefined ? {} : { from: new Date(filter.since) }),
                ...(filter.until === undefined ? {} : { to: new Date(filter.until) }),
                limit: request.limit!
              }
        return selection as ReprocessSelection
      })
      const reprocess = Effect.fn("EventAdmin.reprocess")(function* (tenantSlug: string, request: ReprocessRequest) {
        const tenant = yield* tenants.require(tenantSlug)
        const reset = yield* reprocessor.run(tenant.id, yield* selectionOf(tenant, request))
        return { reprocessed: reset.length, event_ids: reset }
      })
      const reprocessPreview = Effect.fn("EventAdmin.reprocessPreview")(function* (
        tenantSlug: string,
        request: ReprocessRequest
      ) {
        const tenant = yield* tenants.require(tenantSlug)
        return { count: yield* eventRepo.countForReprocess(tenant.id, yield* selectionOf(tenant, request)) }
      })

      const reverify = Effect.fn("EventAdmin.reverify")(function* (tenantSlug: string, request: ReverifyRequest) {
        const tenant = yield* tenants.require(tenantSlug)
        if ((request.event_ids === undefined) === (request.source === undefined))
          return yield* invalidRequest("event_ids: give `event_ids` or `source` (with `limit`), one of them")
        if (request.source !== undefined && request.limit === undefined)
          return yield* invalidRequest("limit: required with `source`")
        const sourceId = yield* sourceIdOf(tenant, request.source)
        const report = yield* reverifier.run(
          sourceId === undefined
            ? { _tag: "ByIds", eventIds: (request.event_ids ?? []) as ReadonlyArray<EventId>, tenantId: tenant.id }
            : {
                _tag: "BySource",
                sourceId,
                from: dateOf(request.since) ?? new Date(0),
                to: dateOf(request.until) ?? new Date(8_640_000_000_000_000),
                limit: request.limit!
              }
        )
        return {
          promoted: report.promoted,
          duplicates: report.duplicates,
          invalid_payload: report.invalidPayload,
          still_rejected: report.stillRejected.map((entry) => ({
            event_id: entry.eventId,
            verification_error: entry.verificationError
          }))
        } satisfies ReverifyResult
      })

      return EventAdmin.of({
        list,
        get,
        payload: Effect.fn("EventAdmin.payload")(function* (tenantSlug: string, id: string) {
          const event = yield* find(tenantSlug, id)
          return { contentType: event.content_type, body: event.raw_payload }
        }),
        reprocess,
        reprocessPreview,
        reverify,
        overview: Effect.fn("EventAdmin.overview")(function* (tenantSlug: string) {
          return yield* stats.overview((yield* tenants.require(tenantSlug)).id)
        })
      })
    })
  )
}
