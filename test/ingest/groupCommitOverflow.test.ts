import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Ref } from "effect"
import { groupCommit } from "../../src/store/groupCommit.ts"

// Issue 22: ingest's writer keeps one transaction in flight while it keeps up, so batches grow instead of more
// writes starting; another write starts only once `overflowAt` items wait behind it. The first batch is held open by
// a gate, so what the other flushers do meanwhile is seen without any timing but a short wait for what must not happen.

/** A group commit of two flushers whose flush records each batch and holds the first one until `gate` opens. */
const gatedWriter = (overflowAt: number | undefined) =>
  Effect.gen(function* () {
    const gate = yield* Deferred.make<void>()
    const batches = yield* Ref.make<ReadonlyArray<ReadonlyArray<number>>>([])
    const write = yield* groupCommit({
      maxBatch: 10,
      concurrency: 2,
      ...(overflowAt === undefined ? {} : { overflowAt }),
      flush: (items: ReadonlyArray<number>) =>
        Ref.modify(batches, (seen) => [seen.length, [...seen, items]]).pipe(
          Effect.tap((index) => (index === 0 ? Deferred.await(gate) : Effect.void)),
          Effect.as(items.map((item) => item * 10))
        )
    })
    // Added after the writer, so it runs before the writer stops: a failed assertion does not leave the write held.
    yield* Effect.addFinalizer(() => Deferred.succeed(gate, undefined))
    return { write, batches, gate }
  })

/** Waits until `batches` holds `count` batches (a flusher runs on its own fiber). */
const untilBatches = (batches: Ref.Ref<ReadonlyArray<ReadonlyArray<number>>>, count: number) =>
  Ref.get(batches).pipe(
    Effect.flatMap((seen) => (seen.length >= count ? Effect.succeed(seen) : Effect.fail("not yet"))),
    Effect.eventually,
    Effect.timeout("5 seconds")
  )

describe("group commit overflow", () => {
  it.live("while the first write is in flight, fewer than overflowAt waiting items start no second write", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { write, batches, gate } = yield* gatedWriter(3)
        const first = yield* Effect.forkChild(write(1))
        yield* untilBatches(batches, 1)
        const waiting = [yield* Effect.forkChild(write(2)), yield* Effect.forkChild(write(3))]
        yield* Effect.sleep("100 millis")
        assert.deepStrictEqual(yield* Ref.get(batches), [[1]])
        // The third item waiting reaches overflowAt: the second flusher writes all three at once.
        const third = yield* Effect.forkChild(write(4))
        assert.deepStrictEqual(yield* untilBatches(batches, 2), [[1], [2, 3, 4]])
        assert.deepStrictEqual(yield* Effect.forEach([...waiting, third], Fiber.join), [20, 30, 40])
        yield* Deferred.succeed(gate, undefined)
        assert.strictEqual(yield* Fiber.join(first), 10)
      })
    )
  )

  it.live("items left below overflowAt are written by the first flusher once its write is done", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { write, batches, gate } = yield* gatedWriter(3)
        const first = yield* Effect.forkChild(write(1))
        yield* untilBatches(batches, 1)
        const second = yield* Effect.forkChild(write(2))
        yield* Effect.sleep("50 millis")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual([yield* Fiber.join(first), yield* Fiber.join(second)], [10, 20])
        assert.deepStrictEqual(yield* Ref.get(batches), [[1], [2]])
      })
    )
  )

  it.live("without overflowAt, a second write starts for the first item that waits", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { write, batches, gate } = yield* gatedWriter(undefined)
        const first = yield* Effect.forkChild(write(1))
        yield* untilBatches(batches, 1)
        const second = yield* Effect.forkChild(write(2))
        assert.deepStrictEqual(yield* untilBatches(batches, 2), [[1], [2]])
        assert.strictEqual(yield* Fiber.join(second), 20)
        yield* Deferred.succeed(gate, undefined)
        assert.strictEqual(yield* Fiber.join(first), 10)
      })
    )
  )
})
