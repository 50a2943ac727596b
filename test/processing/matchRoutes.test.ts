import { assert, describe, it } from "@effect/vitest"
import { routeTiers } from "../../src/routing/matchRoutes.ts"

const route = (id: string, priority: number, createdAt: number, filter: Array<string> | null = null) => ({
  id,
  priority,
  created_at: new Date(createdAt),
  filter_event_types: filter
})

describe("routeTiers (CONTRACT §7)", () => {
  it("groups matching routes by priority, highest first; ties by created_at, then id", () => {
    const routes = [
      route("c", 0, 1),
      route("b", 10, 2),
      route("a", 10, 2),
      route("d", 10, 1),
      route("e", 5, 1, ["push"]),
      route("f", 5, 1, ["pull_request"]),
      route("g", -1, 1, [])
    ]
    const tiers = routeTiers(routes, "push").map((tier) => tier.map((r) => r.id))
    assert.deepStrictEqual(tiers, [["d", "a", "b"], ["e"], ["c"], ["g"]])
  })
  it("an event without a type matches only unfiltered routes", () => {
    const tiers = routeTiers([route("a", 0, 1, ["push"]), route("b", 0, 1)], null)
    assert.deepStrictEqual(
      tiers.map((tier) => tier.map((r) => r.id)),
      [["b"]]
    )
  })
  it("no match, no tiers", () => {
    assert.deepStrictEqual(routeTiers([route("a", 0, 1, ["push"])], "issues"), [])
  })
})
