import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"
import { FAST_FLUSH_MILLIS, pipelineForFlush, pipelineForThisDatabase } from "../../src/ingest/EventWriter.ts"
import { measureCommitFlush } from "../../src/store/commitFlush.ts"

// Issue 22: EVENTHOOK_INGEST_PIPELINE=auto pipelines ingest's statements only where a commit's flush is fast. The
// database's own settings make it slow or absent here: `commit_delay` with `commit_siblings = 0` sleeps in every
// flush of a commit (and only there), `synchronous_commit = off` skips the flush.

const onSessionsWith = (settings: Record<string, string>) =>
  PgClient.layer({ url: Redacted.make(inject("databaseUrl")), maxConnections: 2, startupParameters: settings })

describe("the commit flush probe", () => {
  it("pipelines only below the fast flush", () => {
    assert.strictEqual(pipelineForFlush(0.08), 2)
    assert.strictEqual(pipelineForFlush(FAST_FLUSH_MILLIS), 2)
    assert.strictEqual(pipelineForFlush(1), 0)
  })

  it.effect("a commit that waits 3 ms in its flush is measured so, and ingest's statements stay on the pool", () =>
    Effect.gen(function* () {
      const flush = yield* measureCommitFlush(yield* PgClient.PgClient, 9)
      assert.isAtLeast(flush, 2.5)
      assert.strictEqual(yield* pipelineForThisDatabase, 0)
    }).pipe(Effect.provide(onSessionsWith({ commit_delay: "3000", commit_siblings: "0" })))
  )

  it.effect("commits that are not flushed: ingest's statements go pipelined", () =>
    Effect.gen(function* () {
      const flush = yield* measureCommitFlush(yield* PgClient.PgClient, 9)
      assert.isBelow(flush, FAST_FLUSH_MILLIS)
      assert.strictEqual(yield* pipelineForThisDatabase, 2)
    }).pipe(Effect.provide(onSessionsWith({ synchronous_commit: "off" })))
  )
})
