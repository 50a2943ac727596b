import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { AppConfig } from "../config/AppConfig.ts"
import { equalStrings } from "../verify/constantTime.ts"

// `/metrics` in the Prometheus text format (issue 19). The ingest port faces the internet, so there it answers
// only with the admin token (`Authorization: Bearer …`, like the admin API; 403 when the admin API is off). With
// EVENTHOOK_METRICS_PORT set, a listener of its own serves it without a token, for a scraper on a private network.

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

const exposition = Effect.map(PrometheusMetrics.format(), (body) =>
  HttpServerResponse.text(body, { contentType: CONTENT_TYPE })
)

const problem = (status: number, error: string, message: string) =>
  HttpServerResponse.jsonUnsafe({ error, message }, { status })

/** `GET /metrics` on the main port, behind the admin token. */
export const MetricsRoute = Layer.unwrap(
  Effect.map(AppConfig, (config) =>
    HttpRouter.add(
      "GET",
      "/metrics",
      Effect.gen(function* () {
        if (Option.isNone(config.adminToken))
          return problem(
            403,
            "admin_disabled",
            "metrics on this port need EVENTHOOK_ADMIN_TOKEN (or set EVENTHOOK_METRICS_PORT)"
          )
        const request = yield* HttpServerRequest.HttpServerRequest
        const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? ""
        if (!equalStrings(given, Redacted.value(config.adminToken.value)))
          return problem(401, "unauthorized", "missing or wrong bearer token")
        return yield* exposition
      })
    )
  )
)

/** With EVENTHOOK_METRICS_PORT: `GET /metrics` on a listener of its own (same HOST), without a token. */
export const MetricsListener = Layer.unwrap(
  Effect.map(AppConfig, (config) =>
    Option.match(config.metricsPort, {
      onNone: () => Layer.empty,
      onSome: (port) =>
        HttpRouter.serve(PrometheusMetrics.layerHttp({ path: "/metrics" }), {
          disableLogger: true,
          disableListenLog: true
        }).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host: config.host, port })))
    })
  )
)
