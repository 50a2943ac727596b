// The database goes away and comes back: ingest answers 503 meanwhile (never a 4xx, never a hang), then recovers
// by itself. A PostgreSQL cluster of this test's own is stopped and restarted on the same port.

import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ownCluster, seedOpenSource, serviceOn } from "../support/ownCluster.ts"

describe("database outage", () => {
  it.live(
    "503 with Retry-After while PostgreSQL is down, /health 503, then 200 again once it is back",
    () =>
      Effect.gen(function* () {
        const { start } = yield* ownCluster("eventhook-outage")
        const first = yield* start
        const app = yield* serviceOn(first.url, { maxConnections: 4 })
        yield* Effect.gen(function* () {
          yield* seedOpenSource
          const client = yield* HttpClient.HttpClient
          const ingest = client
            .execute(
              HttpClientRequest.post("/api/tenants/acme/eventhook/in/open").pipe(
                HttpClientRequest.bodyText('{"n":1}', "application/json")
              )
            )
            .pipe(Effect.orDie)
          const health = client.get("/health").pipe(Effect.orDie)

          assert.strictEqual((yield* ingest).status, 200)
          yield* first.stop

          const down = yield* ingest
          assert.strictEqual(down.status, 503)
          assert.strictEqual(down.headers["retry-after"], "5")
          assert.deepStrictEqual(yield* down.json.pipe(Effect.orDie), {
            error: "unavailable",
            message: "the database is unavailable, retry later"
          })
          assert.strictEqual((yield* health).status, 503)

          const second = yield* start
          const back = yield* ingest.pipe(
            Effect.repeat({
              schedule: Schedule.spaced("200 millis"),
              until: (response) => response.status === 200,
              times: 50
            })
          )
          assert.strictEqual(back.status, 200)
          assert.strictEqual((yield* health).status, 200)
          const sql = yield* PgClient.PgClient
          const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event`
          assert.strictEqual(count?.n, 2)
          yield* second.stop
        }).pipe(Effect.provide(app), Effect.scoped)
      }).pipe(Effect.scoped),
    120_000
  )
})
