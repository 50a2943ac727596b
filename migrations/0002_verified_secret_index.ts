import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 3: which of a source's secrets verified each event (its index in `secret` + `secrets`, never the
// secret), so an operator can tell when an old secret is no longer used and retire it.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__event ADD COLUMN verified_secret_index integer`
})
