import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 7: the sweeper's three kinds of work each get an index that yields them in order, so a sweep reads the
// rows it claims and stops. Through 0003's single index a sweep read every queued row and sorted them for each
// batch it took, and draining a backlog grew with its square (100,000 queued events: 1.6k/s, PostgreSQL 0.94 ms
// per event). Due retries already have `p_eventhook__event_retry`.
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
