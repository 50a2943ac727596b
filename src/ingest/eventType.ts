import { Result, Schema } from "effect"
import { bodyField, type PathInput, resolvePath } from "../domain/resolvePath.ts"
import { EventTypeConfig } from "../domain/Source.ts"

// CONTRACT §7.
const DEFAULT_HEADERS = ["x-event-type", "x-github-event", "x-gitlab-event", "x-shopify-topic", "x-webhook-event"]
const DEFAULT_BODY_FIELDS = ["type", "event", "event_type", "action"]

const decodeConfig = Schema.decodeUnknownResult(EventTypeConfig)

/**
 * The event type: the source's `event_type_config` when it is set (its `header` first, then its body `path`),
 * else the first of the well-known headers, then the first of the well-known body fields.
 */
export const extractEventType = (eventTypeConfig: unknown, input: PathInput): string | null => {
  if (eventTypeConfig !== null && eventTypeConfig !== undefined) {
    const config = decodeConfig(eventTypeConfig)
    if (Result.isFailure(config)) return null
    const { header, path } = config.success
    const fromHeader = header === undefined ? null : resolvePath(`header.${header}`, input)
    if (fromHeader !== null || path === undefined) return fromHeader
    return resolvePath(path.startsWith("body.") ? path : `body.${path}`, input)
  }
  for (const header of DEFAULT_HEADERS) {
    const value = input.headers[header]
    if (value !== undefined && value !== "") return value
  }
  for (const field of DEFAULT_BODY_FIELDS) {
    const value = bodyField(input.body, field)
    if (value !== null) return value
  }
  return null
}
