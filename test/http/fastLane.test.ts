import { assert, layer } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Effect } from "effect"
import { rawRequest } from "../support/http.ts"
import { createRoute, createSource, eventsOfTenant, freshTenant, TestServer } from "../support/TestLayers.ts"

// Issue 22: the Node listener reads a small declared body itself (the fast lane) and leaves larger and chunked
// bodies to the endpoint's own reading. Every way stores the exact bytes and answers alike.

const SECRET = "lane-secret"

layer(TestServer(), { excludeTestServices: true })("the Node listener's fast lane", (it) => {
  it.effect("small, large (past the lane's 256 KiB) and chunked bodies are all stored exactly and answered 200", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, {
        slug: "github",
        verifier_config: { type: "github", secret: SECRET }
      })
      yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "lane" } })
      const path = `/api/tenants/${tenant.slug}/eventhook/in/github`
      const bodies = {
        small: JSON.stringify({ action: "opened", n: 1 }),
        large: JSON.stringify({ action: "opened", pad: "x".repeat(300 * 1024) }),
        chunked: JSON.stringify({ action: "opened", n: 3 })
      }
      const sent: Array<string> = []
      for (const [name, body] of Object.entries(bodies)) {
        // Twice each: the first may find the source not yet in memory, the second goes the lane's way if it can.
        for (let i = 0; i < 2; i++) {
          const answer = yield* rawRequest(
            "POST",
            path,
            {
              "content-type": "application/json",
              "x-github-event": "issues",
              "x-github-delivery": crypto.randomUUID(),
              "x-hub-signature-256": yield* Effect.promise(() => sign(SECRET, body)),
              ...(name === "chunked"
                ? { "transfer-encoding": "chunked" }
                : { "content-length": String(Buffer.byteLength(body)) })
            },
            body
          )
          assert.strictEqual(answer.status, 200, `${name}: ${answer.text}`)
          assert.strictEqual(JSON.parse(answer.text).status, "pending")
          sent.push(body)
        }
      }
      const stored = (yield* eventsOfTenant(tenant.id)).map((event) => new TextDecoder().decode(event.raw_payload))
      assert.deepStrictEqual([...stored].sort(), [...sent].sort())
    })
  )
})
