import { Schema } from "effect"
import {
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "effect/http-api"
import {
  EventListQuery,
  EventStreamQuery,
  ReprocessRequest,
  ReverifyRequest,
  RotateSecret,
  RouteCreate,
  RouteTest,
  RouteUpdate,
  SourceCreate,
  SourceTest,
  SourceUpdate,
  TenantCreate
} from "../admin/inputs.ts"
import { EventDetailView, EventSummaryView, RouteTestView, RouteView, SourceView, TenantView } from "../admin/views.ts"
import { TenantOverview } from "../domain/Overview.ts"
import {
  AdminDisabledResponse,
  ConflictResponse,
  InternalResponse,
  InvalidRequestResponse,
  NotFoundResponse,
  UnauthorizedResponse,
  UnavailableResponse
} from "./ApiErrors.ts"

// The admin API (issue 6): every endpoint needs `Authorization: Bearer $EVENTHOOK_ADMIN_TOKEN`; with no token
// configured the API is off. Request bodies and queries are decoded here, once and strictly (EventhookApi's parse
// options), and the admin services take them typed; the CLI decodes its input with the same schemas (`validate`).

/** Bearer auth against EVENTHOOK_ADMIN_TOKEN (AdminAuthLive in AdminHandlers.ts). */
export class AdminAuth extends HttpApiMiddleware.Service<AdminAuth>()("eventhook/http/AdminAuth", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [UnauthorizedResponse, AdminDisabledResponse]
}) {}

/** Turns a request that does not decode into `400 invalid_request` naming the field. */
export class AdminSchemaErrors extends HttpApiMiddleware.Service<AdminSchemaErrors>()(
  "eventhook/http/AdminSchemaErrors",
  { error: InvalidRequestResponse }
) {}

const TENANT = "/api/tenants/:tenant_slug/eventhook"
const tenantParam = { tenant_slug: Schema.String }
const sourceParams = { ...tenantParam, source_slug: Schema.String }
const routeParams = { ...tenantParam, route_id: Schema.String }
const eventParams = { ...tenantParam, event_id: Schema.String }

const errors = [InvalidRequestResponse, NotFoundResponse, UnavailableResponse, InternalResponse]
const writeErrors = [...errors, ConflictResponse]

const Deleted = Schema.Struct({ deleted: Schema.Literal(true) })

export class AdminTenantsGroup extends HttpApiGroup.make("tenants")
  .add(
    HttpApiEndpoint.get("list", "/api/eventhook/tenants", { success: Schema.Array(TenantView), error: errors }),
    HttpApiEndpoint.post("create", "/api/eventhook/tenants", {
      payload: TenantCreate,
      success: TenantView.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    })
  )
  .middleware(AdminSchemaErrors)
  .middleware(AdminAuth)
  .annotateMerge(OpenApi.annotations({ title: "Tenants", description: "Admin API: tenants" })) {}

export const ProviderView = Schema.Struct({
  name: Schema.String,
  verifier_type: Schema.String,
  secret_field: Schema.String,
  options: Schema.Array(Schema.Struct({ field: Schema.String, required: Schema.Boolean, about: Schema.String })),
  signature: Schema.String,
  dedupe: Schema.String,
  event_type: Schema.String
})

export const SourceTestReport = Schema.Struct({
  verified: Schema.Boolean,
  verification_error: Schema.NullOr(Schema.String),
  secret_index: Schema.NullOr(Schema.Int),
  parse_error: Schema.NullOr(Schema.String),
  event_type: Schema.NullOr(Schema.String),
  idempotency_key: Schema.NullOr(Schema.String),
  matched_routes: Schema.Array(Schema.String),
  /** Routes whose filter could not decide on this request, with the reason. */
  skipped_routes: Schema.Array(Schema.Struct({ name: Schema.String, reason: Schema.String }))
})

export class AdminSourcesGroup extends HttpApiGroup.make("sources")
  .add(
    HttpApiEndpoint.get("providers", `${TENANT}/providers`, {
      params: tenantParam,
      success: Schema.Array(ProviderView),
      error: errors
    }),
    HttpApiEndpoint.get("list", `${TENANT}/sources`, {
      params: tenantParam,
      success: Schema.Array(SourceView),
      error: errors
    }),
    HttpApiEndpoint.post("create", `${TENANT}/sources`, {
      params: tenantParam,
      payload: SourceCreate,
      success: SourceView.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }),
    HttpApiEndpoint.get("get", `${TENANT}/sources/:source_slug`, {
      params: sourceParams,
      success: SourceView,
      error: errors
    }),
    HttpApiEndpoint.patch("update", `${TENANT}/sources/:source_slug`, {
      params: sourceParams,
      payload: SourceUpdate,
      success: SourceView,
      error: errors
    }),
    HttpApiEndpoint.delete("delete", `${TENANT}/sources/:source_slug`, {
      params: sourceParams,
      query: { delete_events: Schema.optionalKey(Schema.Literals(["true", "false"])) },
      success: Deleted,
      error: writeErrors
    }),
    HttpApiEndpoint.post("rotateSecret", `${TENANT}/sources/:source_slug/rotate-secret`, {
      params: sourceParams,
      payload: RotateSecret,
      success: SourceView,
      error: errors
    }),
    HttpApiEndpoint.post("test", `${TENANT}/sources/:source_slug/test`, {
      params: sourceParams,
      payload: SourceTest,
      success: SourceTestReport,
      error: errors
    })
  )
  .middleware(AdminSchemaErrors)
  .middleware(AdminAuth)
  .annotateMerge(OpenApi.annotations({ title: "Sources", description: "Admin API: sources and provider presets" })) {}

export class AdminRoutesGroup extends HttpApiGroup.make("routes")
  .add(
    HttpApiEndpoint.get("list", `${TENANT}/routes`, {
      params: tenantParam,
      query: { source: Schema.optionalKey(Schema.String) },
      success: Schema.Array(RouteView),
      error: errors
    }),
    HttpApiEndpoint.post("create", `${TENANT}/routes`, {
      params: tenantParam,
      payload: RouteCreate,
      success: RouteView.pipe(HttpApiSchema.status(201)),
      error: errors
    }),
    HttpApiEndpoint.post("test", `${TENANT}/routes/test`, {
      params: tenantParam,
      payload: RouteTest,
      success: RouteTestView,
      error: errors
    }).annotate(
      OpenApi.Description,
      "Dry run: how a candidate route would have matched the source's stored events; nothing runs"
    ),
    HttpApiEndpoint.get("get", `${TENANT}/routes/:route_id`, {
      params: routeParams,
      success: RouteView,
      error: errors
    }),
    HttpApiEndpoint.patch("update", `${TENANT}/routes/:route_id`, {
      params: routeParams,
      payload: RouteUpdate,
      success: RouteView,
      error: errors
    }),
    HttpApiEndpoint.delete("delete", `${TENANT}/routes/:route_id`, {
      params: routeParams,
      success: Deleted,
      error: errors
    })
  )
  .middleware(AdminSchemaErrors)
  .middleware(AdminAuth)
  .annotateMerge(OpenApi.annotations({ title: "Routes", description: "Admin API: routes" })) {}

export const EventPage = Schema.Struct({
  events: Schema.Array(EventSummaryView),
  next_cursor: Schema.NullOr(Schema.String)
})
export const ReprocessResult = Schema.Struct({ reprocessed: Schema.Int, event_ids: Schema.Array(Schema.String) })
export const ReverifyResult = Schema.Struct({
  promoted: Schema.Array(Schema.String),
  duplicates: Schema.Array(Schema.String),
  invalid_payload: Schema.Array(Schema.String),
  still_rejected: Schema.Array(Schema.Struct({ event_id: Schema.String, verification_error: Schema.String }))
})

export class AdminEventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("list", `${TENANT}/events`, {
      params: tenantParam,
      query: EventListQuery,
      success: EventPage,
      error: errors
    }),
    HttpApiEndpoint.get("stream", `${TENANT}/events/stream`, {
      params: tenantParam,
      query: EventStreamQuery,
      headers: Schema.Struct({
        "last-event-id": Schema.optionalKey(Schema.String).annotate({
          description: "resume after this event (the SSE id last received); events may repeat: dedupe by id"
        })
      }),
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/event-stream" })).annotate({
        description:
          "Server-Sent Events, never ending: one `event: event` per stored event, its id as the SSE `id`, `data:` " +
          "the event as JSON (id, source, event_type, status, is_duplicate, verified, received_at, content_type, " +
          "headers, body_base64 — the exact bytes received); a `: keep-alive` comment every 15 s"
      }),
      error: errors
    }),
    HttpApiEndpoint.get("get", `${TENANT}/events/:event_id`, {
      params: eventParams,
      success: EventDetailView,
      error: errors
    }),
    HttpApiEndpoint.get("payload", `${TENANT}/events/:event_id/payload`, {
      params: eventParams,
      success: Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/octet-stream" })).annotate(
        {
          description: "the body exactly as received, with its original Content-Type"
        }
      ),
      error: errors
    }),
    HttpApiEndpoint.post("reprocess", `${TENANT}/events/reprocess`, {
      params: tenantParam,
      payload: ReprocessRequest,
      success: ReprocessResult,
      error: errors
    }),
    HttpApiEndpoint.post("reprocessPreview", `${TENANT}/events/reprocess/preview`, {
      params: tenantParam,
      payload: ReprocessRequest,
      success: Schema.Struct({ count: Schema.Int }),
      error: errors
    }).annotate(OpenApi.Description, "How many events `reprocess` would reset with this request; nothing changes"),
    HttpApiEndpoint.get("overview", `${TENANT}/overview`, {
      params: tenantParam,
      success: TenantOverview,
      error: errors
    }).annotate(
      OpenApi.Description,
      "Per source: the last hour and day by outcome, rejections by reason, the verifying secret's index, backlog, rate"
    ),
    HttpApiEndpoint.post("reverify", `${TENANT}/events/reverify`, {
      params: tenantParam,
      payload: ReverifyRequest,
      success: ReverifyResult,
      error: errors
    })
  )
  .middleware(AdminSchemaErrors)
  .middleware(AdminAuth)
  .annotateMerge(OpenApi.annotations({ title: "Events", description: "Admin API: events, payloads, replay" })) {}
