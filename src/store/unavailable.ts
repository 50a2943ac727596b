import { Cause, Predicate } from "effect"
import { SqlError } from "effect/sql"

// "The database is not available right now", by SQLSTATE (never by message text), so the caller answers 503
// with Retry-After and a provider retries (CONTRACT §3, issue 15):
// - class 08, connection exception: the connection failed or was lost;
// - class 53, insufficient resources: 53300 too many connections, 53100 disk full, 53200 out of memory;
// - class 57, operator intervention: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
//   (starting up, shutting down, in recovery), 57014 cancelled;
// - 25006, read-only transaction: a standby that is not promoted yet, during a failover;
// - 40001 / 40P01, serialization failure and deadlock, and 55P03 lock not available: the same statement passes
//   when it is run again.
// https://www.postgresql.org/docs/current/errcodes-appendix.html
const TRANSIENT_CLASSES = ["08", "53", "57"]
const TRANSIENT_CODES = ["25006", "40001", "40P01", "55P03"]

const sqlStateOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined

const isTransientSqlState = (code: string): boolean =>
  TRANSIENT_CLASSES.includes(code.slice(0, 2)) || TRANSIENT_CODES.includes(code)

/** Whether a failure from the database layer means "not available right now" rather than a fault of ours. */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  if (Predicate.isTagged(error, "DatabaseBusy") || Predicate.isTagged(error, "BatchNotCommitted")) return true
  if (!SqlError.isSqlError(error)) return false
  // A connection lost without a server's word carries no SQLSTATE; everything else is judged by its code.
  if (Predicate.isTagged(error.reason, "ConnectionError")) return true
  const code = sqlStateOf(error.reason.cause)
  return code !== undefined && isTransientSqlState(code)
}

/** Whether a failure or defect of the cause means the database is not available right now. */
export const causeIsDatabaseUnavailable = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some(
    (reason) =>
      (Cause.isFailReason(reason) && isDatabaseUnavailable(reason.error)) ||
      (Cause.isDieReason(reason) && isDatabaseUnavailable(reason.defect))
  )
