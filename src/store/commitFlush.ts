import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { SqlError } from "effect/sql"

// A transactional message (it names no table, and logical decoding ignores it unless asked for messages) is the
// least a statement can write: its commit is flushed as an ingest statement's is. A statement that writes nothing
// (`SELECT txid_current()` too) commits without a flush.
const WRITES_AND_COMMITS = "SELECT pg_logical_emit_message(true, 'eventhook.commit-probe', '')::text"

/**
 * What a commit's flush costs on this database, in milliseconds: the fastest round trip of a statement that writes
 * and commits less the fastest of one that does neither, alternated on one connection. The fastest, because a busy
 * machine only ever adds to a round trip (waiting for a core), while the flush is a cost no round trip that writes
 * escapes. Where commits wait for a synchronous standby, that wait is part of it; with `synchronous_commit = off`,
 * about nothing.
 */
export const measureCommitFlush = (sql: PgClient.PgClient, pairs: number): Effect.Effect<number, SqlError.SqlError> =>
  Effect.scoped(
    Effect.flatMap(sql.reserve, (connection) => {
      const timed = (text: string) =>
        Effect.suspend(() => {
          const started = performance.now()
          return Effect.map(connection.executeUnprepared(text, [], undefined), () => performance.now() - started)
        })
      return Effect.map(
        Effect.all(Effect.replicate(Effect.all([timed("SELECT 1"), timed(WRITES_AND_COMMITS)]), pairs)),
        (measured) =>
          Math.max(
            Math.min(...measured.map(([_, committed]) => committed)) - Math.min(...measured.map(([plain]) => plain)),
            0
          )
      )
    })
  )
