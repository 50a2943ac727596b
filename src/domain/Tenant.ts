import { Schema } from "effect"
import { TenantId } from "./ids.ts"

export const Tenant = Schema.Struct({
  id: TenantId,
  slug: Schema.String,
  name: Schema.String
})
export type Tenant = typeof Tenant.Type

export const TenantRecord = Schema.Struct({ ...Tenant.fields, created_at: Schema.NullOr(Schema.Date) })
export type TenantRecord = typeof TenantRecord.Type
