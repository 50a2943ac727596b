import { assert, layer } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import type { VerifierType } from "../../src/domain/VerifierConfig.ts"
import { callWith } from "../support/admin.ts"
import { postWebhook } from "../support/http.ts"
import { createSource, freshTenant, TestServer } from "../support/TestLayers.ts"

// Issue 15, defect 2: the GitLab token was stored in clear and shown by GET …/events/{id}. Every verifier type is
// listed here (a new one does not compile until it is), with the headers a sender puts its credential in.

const SECRET = "s3cret-credential-value"
const TOKEN = "admin-token-for-credentials"
const call = callWith(`Bearer ${TOKEN}`)

interface Case {
  readonly config: Record<string, unknown>
  /** Headers that carry the credential as a sender would send it (right or wrong, both are kept secret). */
  readonly credential: Record<string, string>
}

const withSecret = (type: string, extra: Record<string, unknown> = {}): Case => ({
  config: { type, secret: SECRET, ...extra },
  credential: {}
})

const cases: { readonly [T in VerifierType]: Case } = {
  hmac: withSecret("hmac", { header: "x-signature", algorithm: "sha256", encoding: "hex" }),
  api_key: {
    config: { type: "api_key", header: "X-Api-Key", value: SECRET },
    credential: { "x-api-key": SECRET }
  },
  basic_auth: {
    config: { type: "basic_auth", username: "hook", password: SECRET },
    credential: { authorization: `Basic ${btoa(`hook:${SECRET}`)}` }
  },
  github: withSecret("github"),
  stripe: withSecret("stripe"),
  standard_webhooks: withSecret("standard_webhooks"),
  shopify: withSecret("shopify"),
  slack: withSecret("slack"),
  gitlab: { config: { type: "gitlab", token: SECRET }, credential: { "x-gitlab-token": SECRET } },
  linear: withSecret("linear"),
  paddle: withSecret("paddle"),
  twilio: withSecret("twilio", { url: "https://hooks.example.com/in" }),
  square: withSecret("square", { notification_url: "https://hooks.example.com/in" }),
  zoom: withSecret("zoom"),
  none: { config: { type: "none" }, credential: {} }
}

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
  "credentials are never stored",
  (it) => {
    for (const [type, { config, credential }] of Object.entries(cases)) {
      it.effect(`${type}: the credential headers are stored redacted, right or wrong; no response shows a secret`, () =>
        Effect.gen(function* () {
          const tenant = yield* freshTenant
          yield* createSource(tenant.id, { slug: "src", verifier_config: config })
          const wrong = Object.fromEntries(Object.keys(credential).map((name) => [name, `${SECRET}-near-miss`]))
          const eventIds: Array<string> = []
          for (const headers of [credential, wrong]) {
            const answer = yield* postWebhook<{ event_id?: string }>(
              `/api/tenants/${tenant.slug}/eventhook/in/src`,
              '{"type":"ping"}',
              { ...headers, "x-plain": "kept" }
            )
            assert.oneOf(answer.status, [200, 401])
            const ids = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/events?limit=10`)
            eventIds.push(ids.json.events[0].id)
          }
          for (const id of eventIds) {
            const shown = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/events/${id}`)
            assert.strictEqual(shown.status, 200)
            assert.notInclude(shown.text, SECRET)
            assert.strictEqual(shown.json.headers["x-plain"], "kept")
            for (const name of Object.keys(credential)) assert.strictEqual(shown.json.headers[name], "[redacted]")
          }
          const source = yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/sources/src`)
          assert.strictEqual(source.status, 200)
          assert.notInclude(source.text, SECRET)
        })
      )
    }
  }
)
