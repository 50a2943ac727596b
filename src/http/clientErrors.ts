import type { Duplex } from "node:stream"

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
  408: "Request Timeout",
  431: "Request Header Fields Too Large"
}

/** The raw HTTP/1.1 answer to a request Node could not parse, by the parser's error code. */
export const clientErrorAnswer = (code: string | undefined): string => {
  const [status, error, message] = answers[code ?? ""] ?? [400, "invalid_request", "the request is not valid HTTP"]
  const body = JSON.stringify({ error, message })
  return [
    `HTTP/1.1 ${status} ${reasons[status]}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body
  ].join("\r\n")
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

const INGEST_SHAPE = /^\/api\/tenants\/[^/?#]+\/eventhook\/in\/[^/?#]+\/?(?:[?#]|$)/

/**
 * A `connect` listener: Node hands CONNECT requests (proxy tunnels) to it instead of the router, and without one
 * drops the connection unanswered. CONNECT is not served here: on the ingest path that is the contract's 405.
 */
export const answerConnect = (request: { readonly url?: string | undefined }, socket: Duplex): void => {
  const ingest = INGEST_SHAPE.test(request.url ?? "")
  const body = JSON.stringify(
    ingest
      ? { error: "method_not_allowed", message: "only POST is accepted here" }
      : { error: "not_found", message: "no such path" }
  )
  socket.end(
    [
      ingest ? "HTTP/1.1 405 Method Not Allowed" : "HTTP/1.1 404 Not Found",
      ...(ingest ? ["Allow: POST"] : []),
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      "",
      body
    ].join("\r\n")
  )
}
