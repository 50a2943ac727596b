import type { Duplex } from "node:stream"
import { isIngestTarget } from "./Api.ts"

// Node's HTTP server answers requests it cannot parse on its own (a malformed request line, headers over the
// 16 KiB limit, a header timeout) with a status line and no body. CONTRACT §8: every error has the
// `{error, message}` body, so the standalone server answers these itself, as Node would but in JSON.

const answers: Readonly<Record<string, readonly [status: number, error: string, message: string]>> = {
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "the request headers are larger than 16 KiB"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "the request took too long to arrive"],
  ERR_HTTP_HEADERS_TIMEOUT: [408, "request_timeout", "the request headers took too long to arrive"]
}
const reasons: Readonly<Record<number, string>> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  431: "Request Header Fields Too Large"
}

/** A whole HTTP/1.1 answer with a JSON body, that closes the connection. */
const rawJsonResponse = (status: number, body: object, headers: ReadonlyArray<string> = []): string => {
  const text = JSON.stringify(body)
  return [
    `HTTP/1.1 ${status} ${reasons[status]}`,
    ...headers,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(text)}`,
    "Connection: close",
    "",
    text
  ].join("\r\n")
}

/** The raw HTTP/1.1 answer to a request Node could not parse, by the parser's error code. */
const clientErrorAnswer = (code: string | undefined): string => {
  const [status, error, message] = answers[code ?? ""] ?? [400, "invalid_request", "the request is not valid HTTP"]
  return rawJsonResponse(status, { error, message })
}

/** A `clientError` listener for `node:http` servers: the JSON answer when a response can still be sent. */
export const answerClientError = (error: Error & { code?: string }, socket: Duplex): void => {
  const message = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (error.code === "ECONNRESET" || !socket.writable || message?.headersSent === true) {
    socket.destroy()
    return
  }
  socket.end(clientErrorAnswer(error.code))
}

/**
 * A `connect` listener: Node hands CONNECT requests (proxy tunnels) to it instead of the router, and without one
 * drops the connection unanswered. CONNECT is not served here: on the ingest path that is the contract's 405.
 */
export const answerConnect = (request: { readonly url?: string | undefined }, socket: Duplex): void => {
  socket.end(
    isIngestTarget(request.url ?? "")
      ? rawJsonResponse(405, { error: "method_not_allowed", message: "only POST is accepted here" }, ["Allow: POST"])
      : rawJsonResponse(404, { error: "not_found", message: "no such path" })
  )
}
