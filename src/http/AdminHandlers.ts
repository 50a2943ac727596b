import { Effect, Layer, Option, Redacted, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import { EventAdmin } from "../admin/EventAdmin.ts"
import { EventStream } from "../admin/EventStream.ts"
import { describeIssue } from "../admin/inputs.ts"
import { providers } from "../admin/providers.ts"
import { RouteAdmin } from "../admin/RouteAdmin.ts"
import { SourceAdmin } from "../admin/SourceAdmin.ts"
import { TenantAdmin } from "../admin/TenantAdmin.ts"
import type { StreamedEventView } from "../admin/views.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { equalStrings } from "../verify/constantTime.ts"
import { AdminAuth, AdminSchemaErrors } from "./AdminApi.ts"
import { EventhookApi } from "./Api.ts"
import { AdminDisabledResponse, invalidRequest, UnauthorizedResponse } from "./ApiErrors.ts"

/** Bearer token against EVENTHOOK_ADMIN_TOKEN, in constant time; no token configured: the API is off. */
export const AdminAuthLive = Layer.effect(
  AdminAuth,
  Effect.gen(function* () {
    const config = yield* AppConfig
    return AdminAuth.of({
      bearer: (handler, { credential }) =>
        Option.match(config.adminToken, {
          onNone: () =>
            Effect.fail(
              new AdminDisabledResponse({
                error: "admin_disabled",
                message: "the admin API is off: set EVENTHOOK_ADMIN_TOKEN to enable it"
              })
            ),
          onSome: (token) =>
            Redacted.value(credential) !== "" && equalStrings(Redacted.value(credential), Redacted.value(token))
              ? handler
              : Effect.fail(
                  new UnauthorizedResponse({
                    error: "unauthorized",
                    message: "missing or wrong bearer token (Authorization: Bearer <EVENTHOOK_ADMIN_TOKEN>)"
                  })
                )
        })
    })
  })
)

export const AdminSchemaErrorsLive = HttpApiMiddleware.layerSchemaErrorTransform(AdminSchemaErrors, (error) =>
  Effect.fail(invalidRequest(describeIssue(error.cause.issue)))
)

const deleted = { deleted: true } as const

export const AdminTenantsHandlers = HttpApiBuilder.group(
  EventhookApi,
  "tenants",
  Effect.fn(function* (handlers) {
    const tenants = yield* TenantAdmin
    return handlers.handle("list", () => tenants.list).handle("create", ({ payload }) => tenants.create(payload))
  })
)

export const AdminSourcesHandlers = HttpApiBuilder.group(
  EventhookApi,
  "sources",
  Effect.fn(function* (handlers) {
    const sources = yield* SourceAdmin
    const tenants = yield* TenantAdmin
    return handlers
      .handle("providers", ({ params }) => Effect.as(tenants.require(params.tenant_slug), providers))
      .handle("list", ({ params }) => sources.list(params.tenant_slug))
      .handle("create", ({ params, payload }) => sources.create(params.tenant_slug, payload))
      .handle("get", ({ params }) => sources.get(params.tenant_slug, params.source_slug))
      .handle("update", ({ params, payload }) => sources.update(params.tenant_slug, params.source_slug, payload))
      .handle("delete", ({ params, query }) =>
        sources
          .remove(params.tenant_slug, params.source_slug, { deleteEvents: query.delete_events === "true" })
          .pipe(Effect.as(deleted))
      )
      .handle("rotateSecret", ({ params, payload }) =>
        sources.rotateSecret(params.tenant_slug, params.source_slug, payload)
      )
      .handle("test", ({ params, payload }) => sources.test(params.tenant_slug, params.source_slug, payload))
  })
)

export const AdminRoutesHandlers = HttpApiBuilder.group(
  EventhookApi,
  "routes",
  Effect.fn(function* (handlers) {
    const routes = yield* RouteAdmin
    return handlers
      .handle("list", ({ params, query }) => routes.list(params.tenant_slug, query.source))
      .handle("create", ({ params, payload }) => routes.create(params.tenant_slug, payload))
      .handle("test", ({ params, payload }) => routes.test(params.tenant_slug, payload))
      .handle("get", ({ params }) => routes.get(params.tenant_slug, params.route_id))
      .handle("update", ({ params, payload }) => routes.update(params.tenant_slug, params.route_id, payload))
      .handle("delete", ({ params }) => routes.remove(params.tenant_slug, params.route_id).pipe(Effect.as(deleted)))
  })
)

export const AdminEventsHandlers = HttpApiBuilder.group(
  EventhookApi,
  "events",
  Effect.fn(function* (handlers) {
    const events = yield* EventAdmin
    const stream = yield* EventStream
    return handlers
      .handle("list", ({ params, query }) => events.list(params.tenant_slug, query))
      .handle("stream", ({ params, query, headers }) =>
        stream.open(params.tenant_slug, query, headers["last-event-id"]).pipe(Effect.map(serverSentEvents))
      )
      .handle("get", ({ params }) => events.get(params.tenant_slug, params.event_id))
      .handle("payload", ({ params }) =>
        events
          .payload(params.tenant_slug, params.event_id)
          .pipe(
            Effect.map(({ contentType, body }) =>
              HttpServerResponse.uint8Array(body, { contentType: contentType ?? "application/octet-stream" })
            )
          )
      )
      .handle("reprocess", ({ params, payload }) => events.reprocess(params.tenant_slug, payload))
      .handle("reverify", ({ params, payload }) => events.reverify(params.tenant_slug, payload))
      .handle("reprocessPreview", ({ params, payload }) => events.reprocessPreview(params.tenant_slug, payload))
      .handle("overview", ({ params }) => events.overview(params.tenant_slug))
  })
)

const encoder = new TextEncoder()
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n")

/** The stream as Server-Sent Events, with a comment every 15 s so proxies keep an idle connection open. */
const serverSentEvents = (events: Stream.Stream<StreamedEventView>) =>
  HttpServerResponse.stream(
    Stream.merge(
      events.pipe(
        Stream.map((event) => encoder.encode(`id: ${event.id}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`))
      ),
      Stream.tick("15 seconds").pipe(Stream.map(() => KEEP_ALIVE)),
      { haltStrategy: "left" }
    ),
    { contentType: "text/event-stream", headers: { "cache-control": "no-cache", "x-accel-buffering": "no" } }
  )

export const AdminHandlers = Layer.mergeAll(
  AdminTenantsHandlers,
  AdminSourcesHandlers,
  AdminRoutesHandlers,
  AdminEventsHandlers
).pipe(Layer.provide([AdminAuthLive, AdminSchemaErrorsLive]))
