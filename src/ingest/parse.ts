import { Result } from "effect"
import { parseJsonKeepingLargeIntegers } from "../domain/exactIntegers.ts"
import { isJson, parseMediaType } from "../domain/mediaType.ts"
import { collectFields } from "./collectFields.ts"
import { parseMultipart } from "./multipart.ts"

const utf8 = new TextDecoder("utf-8", { fatal: true })

const decodeText = (body: Uint8Array, charset: string | null): Result.Result<string, string> => {
  if (charset !== null && charset !== "utf-8" && charset !== "utf8" && charset !== "us-ascii") {
    return Result.fail(`unsupported charset ${charset}`)
  }
  return Result.try({ try: () => utf8.decode(body), catch: () => "body is not valid UTF-8" })
}

const parseJson = (text: string): Result.Result<unknown, string> =>
  Result.try({
    try: (): unknown => parseJsonKeepingLargeIntegers(text),
    catch: (error) => `body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}`
  })

const UTF8_BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf]
const startsWithByteOrderMark = (body: Uint8Array) => UTF8_BYTE_ORDER_MARK.every((byte, index) => body[index] === byte)

/** Form fields as JSON; a key that repeats becomes an array of its values, in order. */
const parseForm = (text: string): Record<string, string | Array<string>> => collectFields(new URLSearchParams(text))

/** A body's parsed payload, and whether it is the body's own JSON document (see `Interpreted.parsed_is_body`). */
export interface ParsedBody {
  readonly payload: unknown
  /**
   * An object or an array parsed from a JSON body, so that the database parsing the bytes yields the same jsonb.
   * Not when the decoder dropped a byte order mark (jsonb would refuse it), nor for a top-level `null` (stored as
   * SQL NULL, where the database would store a jsonb null) or scalar, nor for any other type of body.
   */
  readonly isBodyDocument: boolean
}

const notTheBody = (payload: unknown): ParsedBody => ({ payload, isBodyDocument: false })

/** `parsePayload`, saying too whether the payload is the body's own JSON document. */
export const parseBody = (contentType: string | null, body: Uint8Array): Result.Result<ParsedBody, string> => {
  if (body.length === 0) return Result.succeed(notTheBody(null))
  const { essence, charset } = parseMediaType(contentType)
  if (isJson(essence))
    return Result.map(Result.flatMap(decodeText(body, charset), parseJson), (payload) => ({
      payload,
      isBodyDocument: typeof payload === "object" && payload !== null && !startsWithByteOrderMark(body)
    }))
  if (essence === "application/x-www-form-urlencoded")
    return Result.map(decodeText(body, charset), (text) => notTheBody(parseForm(text)))
  if (essence === "multipart/form-data" && contentType !== null)
    return Result.map(parseMultipart(contentType, body), notTheBody)
  return Result.succeed(notTheBody(null))
}

/**
 * The parsed payload for `parsed_payload`: JSON, form-urlencoded and multipart bodies are parsed; every other type
 * (XML, text, binary) is kept raw only, as `null` here. An empty body parses to `null`.
 * A failure says why, in words.
 */
export const parsePayload = (contentType: string | null, body: Uint8Array): Result.Result<unknown, string> =>
  Result.map(parseBody(contentType, body), (parsed) => parsed.payload)
