import { assert, describe, it } from "@effect/vitest"
import { validate, version } from "uuid"
import { newRowId } from "../../src/domain/ids.ts"

// Row ids (issue 22): UUIDs of version 7 (RFC 9562), checked by the `uuid` package, whose first 48 bits are the
// time in milliseconds, so ids made later sort after earlier ones and land at the end of their index.

const millisOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)

describe("row ids", () => {
  it("are UUIDs of version 7 carrying the time they were made", () => {
    const before = Date.now()
    const id = newRowId()
    const after = Date.now()
    assert.isTrue(validate(id), id)
    assert.strictEqual(version(id), 7)
    assert.isAtLeast(millisOf(id), before)
    assert.isAtMost(millisOf(id), after)
  })

  it("sort by when they were made, across milliseconds, and do not repeat", async () => {
    const earlier = Array.from({ length: 1_000 }, newRowId)
    const started = Date.now()
    while (Date.now() === started) await new Promise((resolve) => setTimeout(resolve, 1))
    const later = Array.from({ length: 1_000 }, newRowId)
    const latestEarlier = earlier.toSorted().at(-1)!
    const earliestLater = later.toSorted()[0]!
    assert.isTrue(latestEarlier < earliestLater, `${latestEarlier} < ${earliestLater}`)
    assert.strictEqual(new Set([...earlier, ...later]).size, 2_000)
  })
})
