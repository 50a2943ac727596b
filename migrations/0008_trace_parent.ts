import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 19: with tracing on, an event keeps the W3C `traceparent` of the request that stored it, so its
// processing (now, or after a restart, on any instance) is linked to that request's trace. NULL when tracing is off.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__event ADD COLUMN trace_parent text`
})
