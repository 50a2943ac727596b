import { Result } from "effect"
import * as MultipartParser from "effect/http/MultipartParser"

/** A file part as stored in `parsed_payload`: described, never decoded as text (the bytes stay in raw_payload). */
export interface FilePart {
  readonly filename: string
  readonly content_type: string
  readonly size: number
}

type Value = string | FilePart

/**
 * `multipart/form-data` as JSON: each field name to its text value (a repeated name to an array), files noted by
 * name, size and type. Parsed with Effect's streaming multipart parser over the bytes already received.
 */
export const parseMultipart = (
  contentType: string,
  body: Uint8Array
): Result.Result<Record<string, Value | Array<Value>>, string> => {
  const fields = new Map<string, Array<Value>>()
  const add = (name: string, value: Value) => fields.set(name, [...(fields.get(name) ?? []), value])
  let failure: string | null = null
  let done = false
  const parser = MultipartParser.make({
    headers: { "content-type": contentType },
    onField: (info, value) => add(info.name, MultipartParser.decodeField(info, value)),
    onFile: (info) => {
      let size = 0
      return (chunk) => {
        if (chunk !== null) size += chunk.length
        else add(info.name, { filename: info.filename ?? "", content_type: info.contentType, size })
      }
    },
    onError: (error) => {
      failure = `body is not valid multipart/form-data: ${error._tag}`
    },
    onDone: () => {
      done = true
    }
  })
  parser.write(body)
  parser.end()
  if (failure !== null) return Result.fail(failure)
  if (!done) return Result.fail("body is not valid multipart/form-data: it ends before the closing boundary")
  return Result.succeed(
    Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]))
  )
}
