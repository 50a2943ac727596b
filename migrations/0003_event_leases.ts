import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 4: the event table is the queue. A worker claims an event with a lease (`locked_by`, `locked_until`); a
// lease that expires (a crashed instance) is reclaimed by the sweeper of any instance.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE p_eventhook__event ADD COLUMN locked_by text, ADD COLUMN locked_until timestamptz`
  yield* sql`CREATE INDEX p_eventhook__event_due ON p_eventhook__event (received_at)
    WHERE status IN ('pending', 'processing') OR (status = 'failed' AND next_retry_at IS NOT NULL)`
})
