import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Ref } from "effect"
import { groupCommit } from "../../src/store/groupCommit.ts"

// Issue 22: a batch's callers are answered only after the flusher has started the write of what queued behind the
// batch, so the next statement does not wait for their responses. The first write is held by a gate while a second
// item queues; the order of what happens once it opens is recorded.

describe("group commit answers", () => {
  it.live("the next batch's write starts before the callers of the batch before it are answered", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const happened = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (what: string) => Ref.update(happened, (seen) => [...seen, what])
        const write = yield* groupCommit({
          maxBatch: 10,
          concurrency: 1,
          flush: (items: ReadonlyArray<number>) =>
            record(`write ${items.join(",")}`).pipe(
              Effect.andThen(items.includes(1) ? Deferred.await(gate) : Effect.void),
              Effect.as(items.map((item) => item * 10))
            )
        })
        yield* Effect.addFinalizer(() => Deferred.succeed(gate, undefined))
        const answered = (item: number) => write(item).pipe(Effect.tap((result) => record(`answer ${result}`)))
        const first = yield* Effect.forkChild(answered(1))
        yield* Ref.get(happened).pipe(
          Effect.flatMap((seen) => (seen.length === 1 ? Effect.void : Effect.fail("not yet"))),
          Effect.eventually
        )
        const second = yield* Effect.forkChild(answered(2))
        yield* Effect.sleep("50 millis")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* Effect.all([Fiber.join(first), Fiber.join(second)]), [10, 20])
        assert.deepStrictEqual(yield* Ref.get(happened), ["write 1", "write 2", "answer 10", "answer 20"])
      })
    )
  )
})
