import { Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { isDatabaseUnavailable } from "../store/unavailable.ts"
import { isIngestTarget } from "./Api.ts"

// CONTRACT §3 and §8: every error on every path answers `{"error", "message"}` JSON, including what the router
// and HttpApi answer on their own (an unknown path, a method no route has, a path that does not decode, a
// Content-Type an endpoint does not take), and a 503 says when to come back.

/** Providers that honour Retry-After wait this long after a 503. */
export const RETRY_AFTER_SECONDS = "5"

const codes: Readonly<Record<number, readonly [error: string, message: string]>> = {
  400: ["invalid_request", "the request is malformed"],
  401: ["unauthorized", "unauthorized"],
  403: ["forbidden", "forbidden"],
  404: ["not_found", "no such path"],
  405: ["method_not_allowed", "only POST is accepted here"],
  413: ["payload_too_large", "the body is too large"],
  415: ["unsupported_media_type", "send the body as JSON (Content-Type: application/json)"],
  429: ["rate_limited", "too many requests"],
  500: ["internal", "internal error"],
  503: ["unavailable", "the database is unavailable, retry later"]
}

const errorBody = (status: number) => codes[status] ?? ([`http_${status}`, "the request could not be served"] as const)

/** The contract's body for an error status. */
export const contractError = (status: number) => {
  const [error, message] = errorBody(status)
  return { error, message }
}

export const jsonError = (status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(contractError(status), { status, headers })

const isRouteNotFound = (error: unknown): boolean =>
  error instanceof HttpServerError.HttpServerError && error.reason._tag === "RouteNotFound"

/**
 * What the router answers when no route takes the request: 405 with `Allow: POST` for another method on the
 * ingest path (CONTRACT §3; HEAD, TRACE, PROPFIND… included), else a JSON 404 (an unknown path, or one whose
 * percent-encoding does not decode).
 */
const noRoute = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  request.method !== "POST" && isIngestTarget(request.url) ? jsonError(405, { allow: "POST" }) : jsonError(404)
)

const hasJsonBody = (response: HttpServerResponse.HttpServerResponse): boolean =>
  response.body._tag !== "Empty" && (response.body.contentType?.startsWith("application/json") ?? false)

const keptHeaders = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "content-type" && name !== "content-length"))

/** An error answered with another body (or none) gets the contract's; a 503 gets Retry-After. */
const contractShape = (response: HttpServerResponse.HttpServerResponse) => {
  if (response.status < 400) return response
  const shaped = hasJsonBody(response) ? response : jsonError(response.status, keptHeaders(response.headers))
  return response.status === 503 ? HttpServerResponse.setHeader(shaped, "retry-after", RETRY_AFTER_SECONDS) : shaped
}

/**
 * How a surprise from below (a defect) is answered, logged once: 503 when the database is not available right now
 * (CONTRACT §3), else 500 with the defect logged. Neither answer carries internals; a 503 also gets Retry-After.
 */
export const defectStatus = (databaseUnavailable: boolean, defect: unknown): Effect.Effect<503 | 500> =>
  databaseUnavailable
    ? Effect.as(Effect.logWarning("answered 503: the database is unavailable"), 503 as const)
    : Effect.as(Effect.logError("request failed", defect), 500 as const)

/** For every route, Eventhook's and a host's alike: a surprise from below (a defect) is answered as `defectStatus` says. */
export const ContractErrors = HttpRouter.middleware(
  (effect) =>
    effect.pipe(
      Effect.catchIf(isRouteNotFound, () => noRoute),
      Effect.catchDefect((defect) => Effect.map(defectStatus(isDatabaseUnavailable(defect), defect), jsonError)),
      Effect.map(contractShape)
    ),
  { global: true }
)
