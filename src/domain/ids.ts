import { Schema } from "effect"

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
