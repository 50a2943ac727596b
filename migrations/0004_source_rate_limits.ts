import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 5: a source may override the server-wide token bucket (EVENTHOOK_RATE_LIMIT_PER_SECOND / _BURST).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__source
    ADD COLUMN rate_limit_per_second double precision CHECK (rate_limit_per_second > 0),
    ADD COLUMN rate_limit_burst integer CHECK (rate_limit_burst > 0)`
})
