import { createHash } from "node:crypto"
import { isUuid } from "./inputs.ts"

// A page cursor is opaque and bound to the tenant and filter it was made for (issue 15: a bare event id from
// another tenant was used as a position, which told whether that event existed and when). It carries the last
// event's id and a digest of (tenant, filter, id): a cursor from another tenant or another filter, or one edited
// by hand, does not match and is refused.

/** What a cursor is bound to: the tenant and every filter of the listing except the page size. */
export interface CursorScope {
  readonly tenantId: string
  readonly filter: Readonly<Record<string, string | undefined>>
}

const digest = (scope: CursorScope, id: string): string => {
  const filter = Object.entries(scope.filter)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
  return createHash("sha256")
    .update(JSON.stringify([scope.tenantId, filter, id]))
    .digest("base64url")
    .slice(0, 22)
}

export const encodeCursor = (scope: CursorScope, id: string): string => `${id}.${digest(scope, id)}`

/** The event id the cursor continues after, or null when it was not made for this scope. */
export const decodeCursor = (scope: CursorScope, cursor: string): string | null => {
  const [id = "", check, ...rest] = cursor.split(".")
  return rest.length === 0 && isUuid(id) && check === digest(scope, id) ? id : null
}
