import { Schema } from "effect"
import { TenantId } from "./ids.ts"

export const Tenant = Schema.Struct({
  id: TenantId,
  slug: Schema.String,
  name: Schema.String
})
export type Tenant = typeof Tenant.Type
