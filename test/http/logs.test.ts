import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Layer, Logger } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { createRoute, createSource, freshTenant, settledEvent, TestServer } from "../support/TestLayers.ts"

// Everything the service logs, as text: messages, annotations and causes.
const lines: Array<string> = []
const Capture = Logger.layer([
  Logger.make((options) => {
    lines.push(`${options.logLevel} ${JSON.stringify(options.message)} ${Cause.pretty(options.cause)}`)
  })
])

const MARKERS = ["TOPSECRET-7f3a", "APIKEY-91bd", "BODY-MARKER-55", "AUTH-MARKER-0c", "WRONGKEY-MARKER-e2"] as const

layer(TestServer().pipe(Layer.provide(Capture)), { excludeTestServices: true })("logs", (it) => {
  it.effect("carry no secrets, bodies or credential headers, while saying what happened", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const github = yield* createSource(tenant.id, {
        slug: "github",
        verifier_config: { type: "github", secret: MARKERS[0] }
      })
      yield* createSource(tenant.id, {
        slug: "keyed",
        verifier_config: { type: "api_key", header: "x-api-key", value: MARKERS[1] }
      })
      yield* createRoute(tenant.id, github, { target_type: "workflow", target_config: { workflow_kind: "" } })
      const client = yield* HttpClient.HttpClient
      const send = (source: string, headers: Record<string, string>) =>
        client
          .execute(
            HttpClientRequest.post(`/api/tenants/${tenant.slug}/eventhook/in/${source}`).pipe(
              HttpClientRequest.setHeaders(headers),
              HttpClientRequest.bodyText(`{"note":"${MARKERS[2]}"}`, "application/json")
            )
          )
          .pipe(Effect.orDie)
      assert.strictEqual((yield* send("github", { authorization: `Bearer ${MARKERS[3]}` })).status, 401)
      assert.strictEqual((yield* send("keyed", { "x-api-key": MARKERS[4] })).status, 401)
      const accepted = yield* send("keyed", { "x-api-key": MARKERS[1] })
      assert.strictEqual(accepted.status, 200)
      // A route with a broken target config fails processing, which is logged too.
      const unsigned = yield* send("keyed", { "x-api-key": MARKERS[1], authorization: `Basic ${MARKERS[3]}` })
      const { event_id } = (yield* unsigned.json.pipe(Effect.orDie)) as { event_id: string }
      yield* settledEvent(tenant.id, event_id)

      const text = lines.join("\n")
      assert.include(text, "webhook rejected")
      for (const marker of MARKERS) assert.notInclude(text, marker)
    })
  )
})
