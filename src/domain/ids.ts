import { Schema } from "effect"

// The time's part of the last id made, and its millisecond (newRowId).
let prefixMillis = -1
let prefix = ""

/**
 * The id of a row the service inserts: a UUID whose first 48 bits are the time in milliseconds (version 7, RFC 9562),
 * so consecutive rows land at the end of their primary key's index instead of on a random page of it. With random
 * ids (version 4) every insert touched a leaf page of its own: once the index outgrew the cache a page read, and
 * after every checkpoint a full page image in the WAL (measured: half the buffer reads, half the page images and
 * 45 % less WAL for 50 events into a table of 470,000). Ids still do not collide (74 random bits) and tell nothing
 * but when the row was made, which `received_at` and `created_at` tell anyway.
 *
 * Made from Node's `randomUUID`, its first 48 bits replaced by the time and its version by 7: 0.6 µs, where the
 * `uuid` package's `v7` took 5.6 µs, and a request makes up to three.
 */
export const newRowId = (): string => {
  const now = Date.now()
  // A request makes up to three ids within a millisecond: the time's part is formatted once per millisecond.
  if (now !== prefixMillis) {
    const time = now.toString(16).padStart(12, "0")
    prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`
    prefixMillis = now
  }
  return `${prefix}${crypto.randomUUID().slice(15)}`
}

export const TenantId = Schema.String.pipe(Schema.brand("TenantId"))
export type TenantId = typeof TenantId.Type
export const SourceId = Schema.String.pipe(Schema.brand("SourceId"))
export type SourceId = typeof SourceId.Type
export const RouteId = Schema.String.pipe(Schema.brand("RouteId"))
export type RouteId = typeof RouteId.Type
export const EventId = Schema.String.pipe(Schema.brand("EventId"))
export type EventId = typeof EventId.Type
export const EventActionId = Schema.String.pipe(Schema.brand("EventActionId"))
export type EventActionId = typeof EventActionId.Type
