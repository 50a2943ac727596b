import { Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { INGEST_PATH } from "./Api.ts"

const errorBody = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ error, message }, { status, headers })

// CONTRACT §3: any method but POST on the ingest path is 405; GET is kept for verifier handshakes (issue 3).
const methodNotAllowed = errorBody(405, "method_not_allowed", "only POST is accepted here", { allow: "POST" })

/** 405 on the ingest path for other methods, and a JSON 404 for every unknown path. */
export const FallbackRoutes = Layer.mergeAll(
  HttpRouter.add("*", "*", errorBody(404, "not_found", "no such path")),
  ...(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] as const).map((method) =>
    HttpRouter.add(method, INGEST_PATH, methodNotAllowed)
  )
)
