import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 7: the sweeper's three kinds of work each get an index that yields them in order, so a sweep reads the
// rows it claims and stops. Through 0003's single index a sweep read every queued row and sorted them for each
// batch it took, and draining a backlog slowed with its depth (the bench's recovery run: 20,000 queued events
// drained at 2.2k/s, 100,000 at 1.8k/s; now 3.5k/s and 2.9k/s). Due retries already have `p_eventhook__event_retry`.
//
// A new event is stored leased, so it enters the lease index instead of 0003's: ingest maintains as many indexes
// as before. The finish clears the lease and leaves both.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP INDEX p_eventhook__event_due`
  yield* sql`CREATE INDEX p_eventhook__event_unleased ON p_eventhook__event (received_at)
    WHERE status = 'pending' AND locked_until IS NULL`
  yield* sql`CREATE INDEX p_eventhook__event_lease_expiry ON p_eventhook__event (locked_until)
    WHERE locked_until IS NOT NULL`
})
