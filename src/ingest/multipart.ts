import { Result } from "effect"
import * as MultipartParser from "effect/http/MultipartParser"
import { collectFields } from "./collectFields.ts"

/** A file part as stored in `parsed_payload`: described, never decoded as text (the bytes stay in raw_payload). */
export interface FilePart {
  readonly filename: string
  readonly content_type: string
  readonly size: number
}

type Value = string | FilePart

const invalid = (why: string) => `body is not valid multipart/form-data: ${why}`

/**
 * `multipart/form-data` as JSON: each field name to its text value (a repeated name to an array), files noted by
 * name, size and type. Parsed with Effect's streaming multipart parser over the bytes already received.
 */
export const parseMultipart = (
  contentType: string,
  body: Uint8Array
): Result.Result<Record<string, Value | Array<Value>>, string> => {
  const parts: Array<[string, Value]> = []
  let failure: string | null = null
  let done = false
  const parser = MultipartParser.make({
    headers: { "content-type": contentType },
    onField: (info, value) => {
      parts.push([info.name, MultipartParser.decodeField(info, value)])
    },
    onFile: (info) => {
      let size = 0
      return (chunk) => {
        if (chunk !== null) size += chunk.length
        else parts.push([info.name, { filename: info.filename ?? "", content_type: info.contentType, size }])
      }
    },
    onError: (error) => {
      failure = invalid(error._tag)
    },
    onDone: () => {
      done = true
    }
  })
  // The parser throws on some malformed bodies (a part before any header, issue 15); that is the sender's
  // malformed body, not our fault.
  const parsed = Result.try({
    try: () => {
      parser.write(body)
      parser.end()
    },
    catch: () => invalid("malformed part")
  })
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  if (failure !== null) return Result.fail(failure)
  if (!done) return Result.fail(invalid("it ends before the closing boundary"))
  return Result.succeed(collectFields(parts))
}
