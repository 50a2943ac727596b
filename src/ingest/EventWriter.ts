import { PgClient } from "@effect/sql-pg"
import { Cause, Context, Effect, Exit, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { NewEvent, StoredEvent } from "../domain/Event.ts"
import { BatchNotCommitted, DatabaseBusy } from "../domain/errors.ts"
import { recordBatch, recordCommit, recordCommitWait } from "../metrics/metrics.ts"
import { measureCommitFlush } from "../store/commitFlush.ts"
import { EventRepo } from "../store/EventRepo.ts"
import { groupCommit } from "../store/groupCommit.ts"
import { pipelinedStatements } from "../store/uncached.ts"

/** How long a request waits for its batch's commit before it is answered 503. */
const WRITE_TIMEOUT_MILLIS = 10_000

export interface EventWriterOptions {
  /** Rows per transaction at most. */
  readonly maxBatch: number
  /** Transactions in flight at once on the client's pool. */
  readonly concurrency: number
  /** Items waiting before a transaction beyond the first starts on the pool (groupCommit's `overflowAt`). */
  readonly overflowAt?: number
  /**
   * Statements pipelined on a connection of the writer's own (`pipelinedStatements`), at most this many in flight,
   * the first of them in place of the pool's first; the pool's others start as before. 0 or absent: none.
   */
  readonly pipeline?: number
  /** Items waiting before a pipelined statement beyond the first is sent (by default PIPELINED_OVERFLOW_AT). */
  readonly pipelineOverflowAt?: number
}

/**
 * Items waiting before a pipelined statement beyond the first is sent (issue 22). Alternated at c=16 on the
 * embedded PostgreSQL (four in flight): 6 acked more than 8 (medians 0.90× against 0.85× the peer). Fewer make
 * smaller statements, and each statement costs PostgreSQL and the service much of what a larger one costs.
 */
const PIPELINED_OVERFLOW_AT = 6

/**
 * The slowest commit flush, as `measureCommitFlush` measures it, for which ingest's statements go pipelined
 * (EVENTHOOK_INGEST_PIPELINE=auto, issue 22). Pipelined, one connection pays its commits' flushes one after the
 * other, where statements on the pool share theirs in PostgreSQL's WAL group commit (README "Pipelined batches").
 * Measured so, this machine's disk (fdatasync ~0.13 ms) gives 0.2–0.3 ms, and there two statements pipelined acked
 * more than one at a time on the pool; a server whose every fsync sleeps 1 ms more gives 1.35 ms, and there they
 * acked less. Between the two: unmeasured.
 */
export const FAST_FLUSH_MILLIS = 0.75

/** Statements pipelined for a database whose commit's flush takes `flushMillis`: 2 when fast, else none. */
export const pipelineForFlush = (flushMillis: number): number => (flushMillis <= FAST_FLUSH_MILLIS ? 2 : 0)

/** `pipelineForFlush` of this database's measured flush; none when it cannot be measured. */
export const pipelineForThisDatabase = Effect.gen(function* () {
  const measured = yield* Effect.result(measureCommitFlush(yield* PgClient.PgClient, 25))
  if (measured._tag === "Failure") {
    yield* Effect.logInfo("ingest statements on the pool: a commit's flush could not be measured", measured.failure)
    return 0
  }
  const pipeline = pipelineForFlush(measured.success)
  yield* Effect.logInfo(
    `ingest statements ${pipeline > 0 ? `pipelined, ${pipeline} in flight` : "on the pool"}: a commit's flush takes ` +
      `${measured.success.toFixed(2)} ms`
  )
  return pipeline
})

export const defaultEventWriterOptions: EventWriterOptions = { maxBatch: 128, concurrency: 4 }

/**
 * The durable write of ingest, by group commit (issue 7): concurrent requests' rows are committed together by
 * one statement, and each request learns its row's fate only after that commit. A batch that does not commit
 * fails every request in it with `BatchNotCommitted` (a 503: the provider retries) and stores none of them.
 */
export class EventWriter extends Context.Service<
  EventWriter,
  { readonly write: (event: NewEvent) => Effect.Effect<StoredEvent> }
>()("eventhook/ingest/EventWriter") {
  static readonly layerWith = (options: EventWriterOptions) =>
    Layer.effect(
      EventWriter,
      Effect.gen(function* () {
        const events = yield* EventRepo
        const pipelined = options.pipeline ?? 0
        const pipeline =
          pipelined > 0
            ? yield* pipelinedStatements(yield* PgClient.PgClient, {
                depth: pipelined,
                applicationName: "eventhook ingest"
              })
            : undefined
        // Flushers 0 … pipelined − 1 send on the pipeline; the pool's flushers beyond its first follow them, so a
        // statement held up on the pipeline's connection (a lock, a slow trigger) still lets a pile of requests
        // through on other connections.
        const pipelinedBeyondFirst = Math.max(pipelined - 1, 0)
        const writeInBatch = yield* groupCommit({
          maxBatch: options.maxBatch,
          concurrency: pipelinedBeyondFirst + options.concurrency,
          overflowAt: [
            ...Array<number>(pipelinedBeyondFirst).fill(options.pipelineOverflowAt ?? PIPELINED_OVERFLOW_AT),
            ...Array<number>(options.concurrency - 1).fill(options.overflowAt ?? 1)
          ],
          // The lookup may come from memory, so the write can be the first wait for a connection: it is bounded
          // too. A 503 here may follow a commit that came too late; the provider's retry is then a duplicate.
          timeout: {
            millis: WRITE_TIMEOUT_MILLIS,
            defect: () => new DatabaseBusy({ waitedMillis: WRITE_TIMEOUT_MILLIS })
          },
          // Each event carries when it was queued, so its wait for a batch is measured apart from the commit.
          flush: (queued: ReadonlyArray<{ readonly event: NewEvent; readonly queuedAt: number }>, flusher) =>
            Effect.suspend(() => {
              const started = performance.now()
              const batch = queued.map((entry) => entry.event)
              return recordBatch(batch.length).pipe(
                Effect.andThen(recordCommitWait(queued.map((entry) => (started - entry.queuedAt) / 1000))),
                Effect.andThen(events.insertBatch(batch, flusher < pipelined ? pipeline : undefined)),
                Effect.tap(() => recordCommit(batch.length, (performance.now() - started) / 1000))
              )
            }).pipe(
              Effect.catchCause((cause) =>
                Effect.logError(`a batch of ${queued.length} events was not committed`, Cause.squash(cause)).pipe(
                  Effect.andThen(Effect.die(new BatchNotCommitted({ size: queued.length })))
                )
              )
            )
        })
        // A repeat stored on its own after its batch (as a duplicate) may fail alone; it is answered like a batch.
        const write = (event: NewEvent) =>
          Effect.flatMap(writeInBatch({ event, queuedAt: performance.now() }), (stored) =>
            Exit.isSuccess(stored)
              ? Effect.succeed(stored.value)
              : Effect.logError("a repeated event was not stored", Cause.squash(stored.cause)).pipe(
                  Effect.andThen(Effect.die(new BatchNotCommitted({ size: 1 })))
                )
          )
        return EventWriter.of({ write })
      })
    )

  /**
   * The default options, with EVENTHOOK_COMMIT_OVERFLOW_AT (64): one transaction at a time while it keeps up, so
   * batches grow with the load instead of more, smaller ones starting (issue 22, alternated: at c=16 8 % more acked
   * per second and PostgreSQL's CPU per event 0.20 against 0.26 ms; at c=64 10–28 % more). Up to three more start
   * while that many requests wait, so a slow commit holds up at most that many. The cost: where a flush takes a
   * millisecond, c=16 acked 3–11 % less at 64, its flushes paid in turn (README); there 8 acked more than either.
   * With EVENTHOOK_INGEST_PIPELINE (by default 2 where a commit's flush is fast, see FAST_FLUSH_MILLIS), the
   * statements before those go pipelined on a connection of their own (README "Pipelined batches").
   */
  static readonly layer = Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return EventWriter.layerWith({
        ...defaultEventWriterOptions,
        overflowAt: config.commitOverflowAt,
        pipeline: config.ingestPipeline === "auto" ? yield* pipelineForThisDatabase : config.ingestPipeline
      })
    })
  )
}
