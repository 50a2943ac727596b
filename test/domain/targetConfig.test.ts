import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { decodeTargetConfig } from "../../src/domain/TargetConfig.ts"

describe("decodeTargetConfig (CONTRACT §6)", () => {
  it("decodes the three target types", () => {
    assert.deepStrictEqual(
      decodeTargetConfig("workflow", { workflow_kind: "k", idempotency_key_path: "body.id" }),
      Result.succeed({ type: "workflow", config: { workflow_kind: "k", idempotency_key_path: "body.id" } })
    )
    assert.isTrue(Result.isSuccess(decodeTargetConfig("task", { task_kind: "t", queue: "q" })))
    assert.isTrue(
      Result.isSuccess(
        decodeTargetConfig("promise", {
          idempotency_key_path: "header.x-key",
          idempotency_key_prefix: "order:",
          resolve: false,
          error_path: "body.error.message"
        })
      )
    )
  })
  const bad: Array<[string, unknown]> = [
    ["workflow", {}],
    ["workflow", { workflow_kind: "" }],
    ["workflow", { workflow_kind: "k", idempotency_key_path: "id" }],
    ["workflow", { workflow_kind: "k", extra: 1 }],
    ["task", { workflow_kind: "k" }],
    ["promise", { idempotency_key_path: "body.id" }],
    ["webhook", { url: "http://x" }]
  ]
  for (const [type, config] of bad) {
    it(`rejects ${type} ${JSON.stringify(config)}`, () => {
      assert.isTrue(Result.isFailure(decodeTargetConfig(type, config)))
    })
  }
})
