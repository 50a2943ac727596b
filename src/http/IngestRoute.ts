import { ByteSize, Effect, Layer } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerError,
  type HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import { PayloadTooLarge } from "../domain/errors.ts"
import { INGEST_PATH } from "./Api.ts"
import { BodyIncomplete, type IngestAnswer, IngestEndpoint } from "./IngestEndpoint.ts"

// The ingest endpoint on Effect's router: what a host that mounts EventhookRoutes serves, and what the standalone
// Node service serves for the requests its own listener leaves (nodeIngestListener.ts). A plain route, not an HttpApi
// handler: its body is raw bytes and its answers fixed shapes, so there is nothing for a schema to decode, and the
// HttpApi layer cost CPU on every webhook (issue 22). `EventhookApi` still declares it, so the OpenAPI document and
// the typed clients describe it exactly as it answers.

/** Why reading the body failed: over the limit, or the client stopped sending (reset, closed, timed out). */
const bodyFailure = (error: unknown): "BodyTooLarge" | "Incomplete" | null =>
  error instanceof HttpServerError.HttpServerError && error.reason._tag === "RequestParseError"
    ? error.reason.reason === "BodyTooLarge"
      ? "BodyTooLarge"
      : "Incomplete"
    : null

/** The body exactly as received, read once; a body that passes the limit while it streams in is cut off (413). */
const readBody = (request: HttpServerRequest.HttpServerRequest) => (maxBodyBytes: number) =>
  request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.catch((error): Effect.Effect<never, PayloadTooLarge | BodyIncomplete> => {
      const failure = bodyFailure(error)
      if (failure === "BodyTooLarge") return Effect.fail(new PayloadTooLarge({ limitBytes: maxBodyBytes }))
      if (failure === "Incomplete") return Effect.fail(new BodyIncomplete())
      return Effect.die(error)
    })
  )

const responseOf = (answer: IngestAnswer) =>
  HttpServerResponse.jsonUnsafe(answer.body, { status: answer.status, headers: answer.headers ?? {} })

export const IngestRoute = Layer.unwrap(
  Effect.map(IngestEndpoint, (endpoint) =>
    HttpRouter.add(
      "POST",
      INGEST_PATH,
      (request) =>
        Effect.flatMap(HttpRouter.params, (params) =>
          endpoint.answer({
            tenantSlug: params.tenant_slug ?? "",
            sourceSlug: params.source_slug ?? "",
            headers: request.headers,
            url: request.url,
            remoteAddress: request.remoteAddress._tag === "Some" ? request.remoteAddress.value : null,
            readBody: readBody(request)
          })
        ).pipe(Effect.map(responseOf)),
      // A request that has started is answered, even while the server shuts down.
      { uninterruptible: true }
    )
  )
)
