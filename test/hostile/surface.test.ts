import { assert, layer } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { callWith } from "../support/admin.ts"
import { rawRequest } from "../support/http.ts"
import { createSource, freshTenant, TestServer } from "../support/TestLayers.ts"

const TOKEN = "admin-token-for-surface"
const call = callWith(`Bearer ${TOKEN}`)

const raw = rawRequest

const assertJsonError = (answer: { status: number; text: string }, status: number, error: string) => {
  assert.strictEqual(answer.status, status, answer.text)
  const body = JSON.parse(answer.text) as { error: unknown; message: unknown }
  assert.strictEqual(body.error, error, answer.text)
  assert.isString(body.message)
}

layer(TestServer({ adminToken: Option.some(Redacted.make(TOKEN)) }), { excludeTestServices: true })(
  "every error is the contract's JSON",
  (it) => {
    it.effect("undecodable or NUL-bearing slugs are 404 not_found with the JSON body, on ingest and admin paths", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        for (const slug of ["%00", "a%00b", "%ZZ", "%C3%28", "%FF", "%", "%E0%80%80", "%ED%A0%80"]) {
          assertJsonError(yield* raw("POST", `/api/tenants/${slug}/eventhook/in/open`, {}, "{}"), 404, "not_found")
          assertJsonError(
            yield* raw("POST", `/api/tenants/${tenant.slug}/eventhook/in/${slug}`, {}, "{}"),
            404,
            "not_found"
          )
          const admin = yield* call("GET", `/api/tenants/${slug}/eventhook/sources`)
          assertJsonError(admin, 404, "not_found")
          assertJsonError(yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/sources/${slug}`), 404, "not_found")
          assertJsonError(yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/routes/${slug}`), 404, "not_found")
          assertJsonError(yield* call("GET", `/api/tenants/${tenant.slug}/eventhook/events/${slug}`), 404, "not_found")
          assertJsonError(yield* raw("GET", `/${slug}`), 404, "not_found")
        }
      })
    )

    it.effect("any method but POST on the ingest path is 405 method_not_allowed with Allow", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        for (const method of [
          "GET",
          "PUT",
          "PATCH",
          "DELETE",
          "OPTIONS",
          "TRACE",
          "PROPFIND",
          "SEARCH",
          "LINK",
          "QUERY"
        ]) {
          const answer = yield* raw(method, `/api/tenants/${tenant.slug}/eventhook/in/open`)
          assertJsonError(answer, 405, "method_not_allowed")
          assert.strictEqual(answer.headers.allow, "POST")
        }
        // HEAD answers the same status and headers without a body.
        const head = yield* raw("HEAD", `/api/tenants/${tenant.slug}/eventhook/in/open`)
        assert.strictEqual(head.status, 405)
        assert.strictEqual(head.headers.allow, "POST")
      })
    )

    it.effect("an admin write that is not JSON is 415 with the JSON error body", () =>
      Effect.gen(function* () {
        for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
          const answer = yield* raw(
            "POST",
            "/api/eventhook/tenants",
            { authorization: `Bearer ${TOKEN}`, "content-type": contentType },
            '{"slug":"x"}'
          )
          assertJsonError(answer, 415, "unsupported_media_type")
        }
      })
    )

    it.effect("U+0000 or a lone surrogate anywhere in admin input is 400 invalid_request naming the field", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const base = `/api/tenants/${tenant.slug}/eventhook`
        const route = yield* call("POST", `${base}/routes`, {
          source: "open",
          target_type: "workflow",
          target_config: { workflow_kind: "k" }
        })
        assert.strictEqual(route.status, 201, route.text)
        for (const bad of ["\\u0000", "a\\u0000b", "\\ud800", "x\\udfffy"]) {
          const writes: Array<[string, string, string, string]> = [
            ["POST", "/api/eventhook/tenants", `{"slug":"ok","name":"${bad}"}`, "name"],
            ["POST", `${base}/sources`, `{"slug":"s1","name":"${bad}"}`, "name"],
            ["POST", `${base}/sources`, `{"slug":"s1","provider":"github","secret":"${bad}"}`, "secret"],
            [
              "POST",
              `${base}/sources`,
              `{"slug":"s1","verifier_config":{"type":"github","secret":"${bad}"}}`,
              "verifier_config.secret"
            ],
            [
              "POST",
              `${base}/sources`,
              `{"slug":"s1","event_type_config":{"header":"${bad}"}}`,
              "event_type_config.header"
            ],
            ["PATCH", `${base}/sources/open`, `{"description":"${bad}"}`, "description"],
            ["POST", `${base}/sources/open/rotate-secret`, `{"secret":"${bad}"}`, "secret"],
            [
              "POST",
              `${base}/routes`,
              `{"source":"open","target_type":"workflow","target_config":{"workflow_kind":"${bad}"}}`,
              "target_config.workflow_kind"
            ],
            [
              "POST",
              `${base}/routes`,
              `{"source":"open","target_type":"workflow","target_config":{"${bad}":"k"}}`,
              "target_config"
            ],
            [
              "PATCH",
              `${base}/routes/${route.json.id}`,
              `{"filter_event_types":["a","${bad}"]}`,
              "filter_event_types[1]"
            ],
            ["POST", `${base}/events/reprocess`, `{"filter":{"event_type":"${bad}"},"limit":5}`, "filter.event_type"],
            ["POST", `${base}/events/reverify`, `{"source":"open","since":"${bad}","limit":5}`, "since"],
            ["POST", `${base}/sources/open/test`, `{"body":"${bad}"}`, "body"]
          ]
          for (const [method, path, body, field] of writes) {
            const answer = yield* call(method as "POST", path, body)
            assertJsonError(answer, 400, "invalid_request")
            assert.isTrue(answer.json.message.startsWith(`${field}`), `${path} ${body}: ${answer.json.message}`)
          }
        }
        for (const query of ["event_type=%00", "source=a%00", "event_type=a%00b", "status=%00", "cursor=%00"]) {
          assertJsonError(yield* call("GET", `${base}/events?${query}`), 400, "invalid_request")
        }
      })
    )

    it.effect("dates outside what PostgreSQL stores are 400 invalid_request, never a 500", () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
        const base = `/api/tenants/${tenant.slug}/eventhook`
        const outside = [
          "-271821-04-20T00:00:00Z",
          "+275760-09-13T00:00:00Z",
          "-004714-01-01T00:00:00Z",
          "0000-01-01T00:00:00Z",
          "+010000-01-01T00:00:00Z"
        ]
        for (const date of outside) {
          for (const field of ["since", "until"]) {
            const listed = yield* call("GET", `${base}/events?${field}=${encodeURIComponent(date)}`)
            assertJsonError(listed, 400, "invalid_request")
            assert.isTrue(listed.json.message.startsWith(`${field}: `), listed.json.message)
            const reprocess = yield* call("POST", `${base}/events/reprocess`, { filter: { [field]: date }, limit: 5 })
            assertJsonError(reprocess, 400, "invalid_request")
            const reverify = yield* call("POST", `${base}/events/reverify`, { source: "open", [field]: date, limit: 5 })
            assertJsonError(reverify, 400, "invalid_request")
          }
        }
        for (const date of ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]) {
          assert.strictEqual((yield* call("GET", `${base}/events?since=${date}&until=${date}`)).status, 200)
        }
      })
    )

    it.effect(
      "a cursor is bound to its tenant and filter: another tenant's, another filter's or a bare id is 400",
      () =>
        Effect.gen(function* () {
          const [mine, theirs] = [yield* freshTenant, yield* freshTenant]
          for (const tenant of [mine, theirs]) {
            yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
            for (let i = 0; i < 3; i++) {
              const sent = yield* rawRequest(
                "POST",
                `/api/tenants/${tenant.slug}/eventhook/in/open`,
                { "content-type": "application/json" },
                `{"n":${i}}`
              )
              assert.strictEqual(sent.status, 200)
            }
          }
          const page = (tenant: string, query: string) =>
            call("GET", `/api/tenants/${tenant}/eventhook/events?${query}`)
          const theirPage = yield* page(theirs.slug, "limit=1")
          const theirCursor: string = theirPage.json.next_cursor
          assert.isString(theirCursor)
          // Theirs continues for them…
          assert.strictEqual((yield* page(theirs.slug, `limit=1&cursor=${theirCursor}`)).status, 200)
          // …and is refused for me, as is a bare event id of theirs and a cursor of another filter.
          assertJsonError(yield* page(mine.slug, `limit=1&cursor=${theirCursor}`), 400, "invalid_request")
          assertJsonError(
            yield* page(mine.slug, `limit=1&cursor=${theirPage.json.events[0].id}`),
            400,
            "invalid_request"
          )
          assertJsonError(
            yield* page(theirs.slug, `limit=1&status=pending&cursor=${theirCursor}`),
            400,
            "invalid_request"
          )
          const myCursor: string = (yield* page(mine.slug, "limit=1")).json.next_cursor
          const forged = `${theirPage.json.events[0].id}.${myCursor.split(".")[1]}`
          assertJsonError(yield* page(mine.slug, `limit=1&cursor=${forged}`), 400, "invalid_request")
          // Paging my own events still walks all three, newest first.
          const seen: Array<string> = []
          let cursor: string | null = null
          do {
            const next: { json: { events: Array<{ id: string }>; next_cursor: string | null } } = yield* page(
              mine.slug,
              `limit=1${cursor === null ? "" : `&cursor=${cursor}`}`
            )
            seen.push(...next.json.events.map((event) => event.id))
            cursor = next.json.next_cursor
          } while (cursor !== null)
          assert.strictEqual(new Set(seen).size, 3)
        })
    )
  }
)
