import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 22: an event's payload columns are compressed with lz4 instead of PostgreSQL's default pglz. A webhook's
// body, its parsed payload and its headers make a row over the 2 KB at which PostgreSQL compresses values, so
// every ingest compressed two or three values. Storing 10,000 of the bench's 1.8 KB webhooks (body and parsed
// payload) took 206 ms with pglz and 94 ms with lz4, at about the same size; at c=16 on the machine's PostgreSQL,
// alternated, its CPU per event fell ~8 % and the acks rose ~5 %. Values already stored stay as they were. A server
// built without lz4, as the embedded PostgreSQL's binaries are, keeps pglz; Debian's packages have lz4.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [setting] = yield* sql<{ readonly lz4: boolean }>`
    SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`
  if (setting?.lz4 !== true) return
  yield* sql`ALTER TABLE p_eventhook__event
    ALTER COLUMN raw_payload SET COMPRESSION lz4,
    ALTER COLUMN parsed_payload SET COMPRESSION lz4,
    ALTER COLUMN headers SET COMPRESSION lz4`
})
