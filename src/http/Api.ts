import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { AdminEventsGroup, AdminRoutesGroup, AdminSourcesGroup, AdminTenantsGroup } from "./AdminApi.ts"
import {
  InternalResponse,
  InvalidPayloadResponse,
  NotFoundResponse,
  PayloadTooLargeResponse,
  RateLimitedResponse,
  UnavailableResponse,
  VerificationFailedResponse
} from "./ApiErrors.ts"

export const INGEST_PATH = "/api/tenants/:tenant_slug/eventhook/in/:source_slug"

const INGEST_SHAPE = /^\/api\/tenants\/[^/?#]+\/eventhook\/in\/[^/?#]+\/?(?:[?#]|$)/

/** Whether a request target (path and query, as received) is the ingest path, whatever its slugs. */
export const isIngestTarget = (target: string): boolean => INGEST_SHAPE.test(target)

export const IngestAccepted = Schema.Struct({
  event_id: Schema.String,
  status: Schema.Literal("pending")
})
export const IngestDuplicate = Schema.Struct({
  event_id: Schema.String,
  status: Schema.Literal("duplicate"),
  duplicate_of: Schema.String
})

/** Answers to providers' endpoint checks (Slack `url_verification`, Zoom `endpoint.url_validation`). */
export const SlackChallenge = Schema.Struct({ challenge: Schema.String })
export const ZoomValidation = Schema.Struct({ plainToken: Schema.String, encryptedToken: Schema.String })

export class IngestGroup extends HttpApiGroup.make("ingest").add(
  // No `payload`: the handler reads the raw bytes itself, since signatures are over the exact bytes.
  HttpApiEndpoint.post("ingest", INGEST_PATH, {
    params: { tenant_slug: Schema.String, source_slug: Schema.String },
    success: Schema.Union([IngestAccepted, IngestDuplicate, SlackChallenge, ZoomValidation]),
    error: [
      InvalidPayloadResponse,
      VerificationFailedResponse,
      NotFoundResponse,
      PayloadTooLargeResponse,
      RateLimitedResponse,
      UnavailableResponse,
      InternalResponse
    ]
  })
) {}

export class HealthGroup extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", {
    success: Schema.Struct({ status: Schema.Literal("ok") }),
    error: UnavailableResponse
  })
) {}

/**
 * The API as it is served by HttpApi: every endpoint but ingest, which is a router route of its own (IngestRoute.ts).
 * Request bodies and query strings are decoded once, here, strictly: a field the schema does not name is a 400, as
 * the CLI's `validate` does. Headers and path parameters keep Schema's defaults (transport headers are not ours).
 */
export class ServedApi extends HttpApi.make("eventhook")
  .add(HealthGroup)
  .add(AdminTenantsGroup)
  .add(AdminSourcesGroup)
  .add(AdminRoutesGroup)
  .add(AdminEventsGroup)
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error" })
  .annotate(HttpApi.QueryParseOptions, { onExcessProperty: "error" }) {}

/** The whole API, ingest included: what `/openapi.json`, `/docs` and the typed clients describe. */
export class EventhookApi extends ServedApi.add(IngestGroup).annotateMerge(
  OpenApi.annotations({
    title: "Eventhook",
    description:
      "Webhook ingestion and routing. Providers POST to the ingest endpoint; operators manage tenants, sources, routes and events through the admin API (Authorization: Bearer $EVENTHOOK_ADMIN_TOKEN)."
  })
) {}
