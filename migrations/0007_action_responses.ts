import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 17: an `http` target's action records the destination's answer (CONTRACT §8), so an operator sees why a
// delivery failed: the status, how long it took, and the first 1 KiB of the body. NULL for every other target.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__event_action
    ADD COLUMN response_status integer,
    ADD COLUMN response_ms integer,
    ADD COLUMN response_body text`
})
