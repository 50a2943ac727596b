import { Deferred, Effect, Exit, Queue, type Scope } from "effect"

/**
 * Group commit (issue 7): callers hand in one item each and wait; `concurrency` flushers each take whatever is
 * queued (up to `maxBatch`) and write it with one `flush`. Nothing waits for a timer: while a flush is in
 * flight the next batch gathers, so batches grow with load and a lone request goes out at once. A flush that
 * fails fails every caller of its batch, with its cause; a caller learns its own result only after its batch's
 * write has finished (for a transaction: committed).
 */
export const groupCommit = <I, O, R>(options: {
  readonly maxBatch: number
  readonly concurrency: number
  /** Writes the batch; its results are in the order of the items. */
  readonly flush: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, never, R>
}): Effect.Effect<(item: I) => Effect.Effect<O>, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    const queue = yield* Effect.acquireRelease(
      Queue.unbounded<{ readonly item: I; readonly result: Deferred.Deferred<O> }>(),
      Queue.shutdown
    )
    const flushOnce = Effect.gen(function* () {
      const batch = yield* Queue.takeBetween(queue, 1, options.maxBatch)
      // A started write finishes and answers its callers, even while the service stops.
      const exit = yield* Effect.exit(options.flush(batch.map((entry) => entry.item))).pipe(Effect.uninterruptible)
      for (const [index, entry] of batch.entries())
        Deferred.doneUnsafe(
          entry.result,
          Exit.isSuccess(exit) ? Effect.succeed(exit.value[index] as O) : Effect.failCause(exit.cause)
        )
    })
    for (let i = 0; i < options.concurrency; i++) yield* Effect.forkScoped(Effect.forever(flushOnce))
    return (item: I) =>
      Effect.gen(function* () {
        const result = yield* Deferred.make<O>()
        yield* Queue.offer(queue, { item, result })
        return yield* Deferred.await(result)
      })
  })
