import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Ref, Scope } from "effect"
import { groupCommit } from "../../src/store/groupCommit.ts"

// Issue 7: a writer whose callers can wait (the processor's action records and finishes) lets a partial batch
// linger for more. The timings leave wide margins: 20 ms between hand-ins against lingers of 200 ms and more.

/** A group commit whose flush records each batch it is given. */
const recordingWriter = (options: {
  readonly maxBatch: number
  readonly linger?: { readonly millis: number; readonly whileFewerThan: number }
}) =>
  Effect.gen(function* () {
    const batches = yield* Ref.make<ReadonlyArray<ReadonlyArray<number>>>([])
    const write = yield* groupCommit({
      ...options,
      concurrency: 1,
      flush: (items: ReadonlyArray<number>) =>
        Ref.update(batches, (seen) => [...seen, items]).pipe(Effect.as(items.map((item) => item * 10)))
    })
    return { write, batches }
  })

describe("group commit linger", () => {
  it.live(
    "items handed in while a partial batch lingers are written with it, and each caller gets its own result",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { write, batches } = yield* recordingWriter({
            maxBatch: 10,
            linger: { millis: 200, whileFewerThan: 10 }
          })
          const first = yield* Effect.forkChild(write(1))
          yield* Effect.sleep("20 millis")
          const second = yield* Effect.forkChild(write(2))
          assert.deepStrictEqual([yield* Fiber.join(first), yield* Fiber.join(second)], [10, 20])
          assert.deepStrictEqual(yield* Ref.get(batches), [[1, 2]])
        })
      )
  )

  it.live("without a linger, a lone item is written at once, not with the next one", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { write, batches } = yield* recordingWriter({ maxBatch: 10 })
        const first = yield* Effect.forkChild(write(1))
        yield* Effect.sleep("20 millis")
        const second = yield* Effect.forkChild(write(2))
        yield* Fiber.join(first)
        yield* Fiber.join(second)
        assert.deepStrictEqual(yield* Ref.get(batches), [[1], [2]])
      })
    )
  )

  it.live("a batch of as many as the linger asks for does not wait", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { write, batches } = yield* recordingWriter({
          maxBatch: 10,
          linger: { millis: 60_000, whileFewerThan: 2 }
        })
        const written = yield* Effect.all([write(1), write(2)], { concurrency: "unbounded" }).pipe(
          Effect.timeoutOption("5 seconds")
        )
        assert.deepStrictEqual(written, Option.some([10, 20]))
        assert.deepStrictEqual(yield* Ref.get(batches), [[1, 2]])
      })
    )
  )

  it.live("a writer stopped while its batch lingers still writes the batch and answers its callers", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { write, batches } = yield* recordingWriter({
        maxBatch: 10,
        linger: { millis: 300, whileFewerThan: 10 }
      }).pipe(Scope.provide(scope))
      const caller = yield* Effect.forkChild(write(7))
      yield* Effect.sleep("20 millis")
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yield* Fiber.join(caller), 70)
      assert.deepStrictEqual(yield* Ref.get(batches), [[7]])
    })
  )
})
