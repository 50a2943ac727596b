import { Deferred, Effect, Exit, Queue, type Scope } from "effect"

/**
 * Group commit (issue 7): callers hand in one item each and wait; `concurrency` flushers each take whatever is
 * queued (up to `maxBatch`) and write it with one `flush`. By default nothing waits for a timer: while a flush is
 * in flight the next batch gathers, so batches grow with load and a lone request goes out at once. A writer whose
 * callers can wait (`linger`) lets a flusher that took only a few items wait a moment for more first: small
 * statements cost the database nearly as much as large ones, and under load batches are large anyway, so nothing
 * lingers then. A flush that fails fails every caller of its batch, with its cause; a caller learns its own result
 * only after its batch's write has finished (for a transaction: committed).
 */
export const groupCommit = <I, O, R>(options: {
  readonly maxBatch: number
  readonly concurrency: number
  /** A flusher that took fewer than `whileFewerThan` items waits `millis` for more before it writes (none by default). */
  readonly linger?: { readonly millis: number; readonly whileFewerThan: number }
  /**
   * Flushers beyond the first take a batch only once at least this many items wait (by default, any): while one
   * write keeps up, its batches grow instead of more writes starting; another starts when items pile up behind it.
   * A list gives each flusher beyond the first its own threshold, in order.
   */
  readonly overflowAt?: number | ReadonlyArray<number>
  /** Writes the batch (`flusher`: which flusher took it, from 0); its results are in the order of the items. */
  readonly flush: (items: ReadonlyArray<I>, flusher: number) => Effect.Effect<ReadonlyArray<O>, never, R>
  /**
   * A caller waits at most `millis` for its result, then dies with `defect()`; its item is still written (it may
   * have been already). One timer per caller, where `Effect.timeout` would race two fibers.
   */
  readonly timeout?: { readonly millis: number; readonly defect: () => unknown }
}): Effect.Effect<(item: I) => Effect.Effect<O>, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    type Entry = {
      readonly item: I
      readonly result: Deferred.Deferred<O>
      readonly timer: ReturnType<typeof setTimeout> | undefined
    }
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Entry>(), Queue.shutdown)
    const linger = options.linger
    // After the linger, whatever is queued by then (up to a full batch), without waiting for more.
    const takeQueued = (batch: Array<Entry>) =>
      Effect.sync(() => {
        while (batch.length < options.maxBatch) {
          const next = Queue.takeUnsafe(queue)
          if (next === undefined || Exit.isFailure(next)) break
          batch.push(next.value)
        }
        return batch
      })
    const gather = (first: ReadonlyArray<Entry>): Effect.Effect<ReadonlyArray<Entry>> =>
      linger !== undefined && first.length < Math.min(linger.whileFewerThan, options.maxBatch)
        ? Effect.andThen(Effect.sleep(linger.millis), takeQueued([...first]))
        : Effect.succeed(first)
    const answer = (batch: ReadonlyArray<Entry>, exit: Exit.Exit<ReadonlyArray<O>>) => {
      for (const [index, entry] of batch.entries()) {
        if (entry.timer !== undefined) clearTimeout(entry.timer)
        Deferred.doneUnsafe(
          entry.result,
          Exit.isSuccess(exit) ? Effect.succeed(exit.value[index] as O) : Effect.failCause(exit.cause)
        )
      }
    }
    // A deferred resumes its caller's fiber at once, inside `doneUnsafe`: answered here, each caller would write its
    // response before this flusher took the next batch, and the next statement would wait for all of them (~0.4 ms
    // per statement at c=16, issue 22). So the callers are answered on the next turn of the event loop, after the
    // flusher has sent the statement of whatever queued meanwhile.
    const write = (batch: ReadonlyArray<Entry>, flusher: number) =>
      Effect.map(
        Effect.exit(
          options.flush(
            batch.map((entry) => entry.item),
            flusher
          )
        ),
        (exit) => {
          setImmediate(answer, batch, exit)
        }
      )
    // What a flusher took is its to write: only the wait for its first items is interruptible (a shutdown waits).
    const flushOnce = (flusher: number, atLeast: number) =>
      Effect.uninterruptibleMask((restore) =>
        restore(Queue.takeBetween(queue, atLeast, options.maxBatch)).pipe(
          Effect.flatMap(gather),
          Effect.flatMap((batch) => write(batch, flusher))
        )
      )
    const overflowAt = options.overflowAt ?? 1
    const thresholdOf = (flusher: number) =>
      flusher === 0
        ? 1
        : Math.min(
            Math.max((typeof overflowAt === "number" ? overflowAt : overflowAt[flusher - 1]) ?? 1, 1),
            options.maxBatch
          )
    for (let i = 0; i < options.concurrency; i++)
      // No yield between batches (Effect's would queue the flusher behind the answers it just scheduled); the fiber
      // still yields on its own after a run of operations, and waits in every take and every write.
      yield* Effect.forkScoped(Effect.forever(flushOnce(i, thresholdOf(i)), { disableYield: true }))
    const timeout = options.timeout
    return (item: I) =>
      Effect.suspend(() => {
        const result = Deferred.makeUnsafe<O>()
        const timer =
          timeout === undefined
            ? undefined
            : setTimeout(() => Deferred.doneUnsafe(result, Effect.die(timeout.defect())), timeout.millis)
        // A caller's timer never keeps a stopping process alive (Node's timers; Deno's are numbers).
        if (typeof timer === "object") timer.unref()
        return Effect.andThen(Queue.offer(queue, { item, result, timer }), Deferred.await(result))
      })
  })
