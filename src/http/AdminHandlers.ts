import { Effect, Layer, Option, Redacted } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import { EventAdmin } from "../admin/EventAdmin.ts"
import { describeIssue } from "../admin/inputs.ts"
import { providers } from "../admin/providers.ts"
import { RouteAdmin } from "../admin/RouteAdmin.ts"
import { SourceAdmin } from "../admin/SourceAdmin.ts"
import { TenantAdmin } from "../admin/TenantAdmin.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { equalStrings } from "../verify/constantTime.ts"
import { AdminAuth, AdminSchemaErrors } from "./AdminApi.ts"
import { EventhookApi } from "./Api.ts"
import { AdminDisabledResponse, invalidRequest, UnauthorizedResponse } from "./ApiErrors.ts"
import { failWithDefectResponse } from "./errorResponses.ts"

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

/** The request body as sent: the services check it strictly, excess fields included. */
const rawJson = (request: HttpServerRequest.HttpServerRequest) =>
  request.json.pipe(Effect.catch(() => Effect.fail(invalidRequest("the body is not valid JSON"))))

const rawQuery = (request: HttpServerRequest.HttpServerRequest) =>
  Object.fromEntries(new URL(request.url, "http://localhost").searchParams)

/** Surprises from below answer 503 when the database is down, else 500, never with internals. */
const guarded = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchDefect(effect, failWithDefectResponse("admin API"))

const deleted = { deleted: true } as const

export const AdminTenantsHandlers = HttpApiBuilder.group(
  EventhookApi,
  "tenants",
  Effect.fn(function* (handlers) {
    const tenants = yield* TenantAdmin
    return handlers
      .handle("list", () => guarded(tenants.list))
      .handle("create", ({ request }) => guarded(Effect.flatMap(rawJson(request), tenants.create)))
  })
)

export const AdminSourcesHandlers = HttpApiBuilder.group(
  EventhookApi,
  "sources",
  Effect.fn(function* (handlers) {
    const sources = yield* SourceAdmin
    const tenants = yield* TenantAdmin
    return handlers
      .handle("providers", ({ params }) => guarded(Effect.as(tenants.require(params.tenant_slug), providers)))
      .handle("list", ({ params }) => guarded(sources.list(params.tenant_slug)))
      .handle("create", ({ params, request }) =>
        guarded(Effect.flatMap(rawJson(request), (input) => sources.create(params.tenant_slug, input)))
      )
      .handle("get", ({ params }) => guarded(sources.get(params.tenant_slug, params.source_slug)))
      .handle("update", ({ params, request }) =>
        guarded(
          Effect.flatMap(rawJson(request), (input) => sources.update(params.tenant_slug, params.source_slug, input))
        )
      )
      .handle("delete", ({ params, query }) =>
        guarded(
          sources
            .remove(params.tenant_slug, params.source_slug, { deleteEvents: query.delete_events === "true" })
            .pipe(Effect.as(deleted))
        )
      )
      .handle("rotateSecret", ({ params, request }) =>
        guarded(
          Effect.flatMap(rawJson(request), (input) =>
            sources.rotateSecret(params.tenant_slug, params.source_slug, input)
          )
        )
      )
      .handle("test", ({ params, request }) =>
        guarded(
          Effect.flatMap(rawJson(request), (input) => sources.test(params.tenant_slug, params.source_slug, input))
        )
      )
  })
)

export const AdminRoutesHandlers = HttpApiBuilder.group(
  EventhookApi,
  "routes",
  Effect.fn(function* (handlers) {
    const routes = yield* RouteAdmin
    return handlers
      .handle("list", ({ params, query }) => guarded(routes.list(params.tenant_slug, query.source)))
      .handle("create", ({ params, request }) =>
        guarded(Effect.flatMap(rawJson(request), (input) => routes.create(params.tenant_slug, input)))
      )
      .handle("get", ({ params }) => guarded(routes.get(params.tenant_slug, params.route_id)))
      .handle("update", ({ params, request }) =>
        guarded(Effect.flatMap(rawJson(request), (input) => routes.update(params.tenant_slug, params.route_id, input)))
      )
      .handle("delete", ({ params }) =>
        guarded(routes.remove(params.tenant_slug, params.route_id).pipe(Effect.as(deleted)))
      )
  })
)

export const AdminEventsHandlers = HttpApiBuilder.group(
  EventhookApi,
  "events",
  Effect.fn(function* (handlers) {
    const events = yield* EventAdmin
    return handlers
      .handle("list", ({ params, request }) => guarded(events.list(params.tenant_slug, rawQuery(request))))
      .handle("get", ({ params }) => guarded(events.get(params.tenant_slug, params.event_id)))
      .handle("payload", ({ params }) =>
        guarded(
          events
            .payload(params.tenant_slug, params.event_id)
            .pipe(
              Effect.map(({ contentType, body }) =>
                HttpServerResponse.uint8Array(body, { contentType: contentType ?? "application/octet-stream" })
              )
            )
        )
      )
      .handle("reprocess", ({ params, request }) =>
        guarded(Effect.flatMap(rawJson(request), (input) => events.reprocess(params.tenant_slug, input)))
      )
      .handle("reverify", ({ params, request }) =>
        guarded(Effect.flatMap(rawJson(request), (input) => events.reverify(params.tenant_slug, input)))
      )
  })
)

export const AdminHandlers = Layer.mergeAll(
  AdminTenantsHandlers,
  AdminSourcesHandlers,
  AdminRoutesHandlers,
  AdminEventsHandlers
).pipe(Layer.provide([AdminAuthLive, AdminSchemaErrorsLive]))
