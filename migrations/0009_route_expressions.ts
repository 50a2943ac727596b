import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 21: a route's CEL `filter` (true: the route matches) and `transform` (its value is the target's input).
// NULL: no filter, the payload as it is. Plain-SQL rows are checked when first used, as the API checks them.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__route ADD COLUMN filter text, ADD COLUMN transform text`
})
