import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer } from "effect"
import type { NewEvent } from "../../src/domain/Event.ts"
import type { SourceId, TenantId } from "../../src/domain/ids.ts"
import { EventhookCore } from "../../src/Eventhook.ts"
import { PgHost } from "../../src/host/PgHost.ts"
import { EventWriter } from "../../src/ingest/EventWriter.ts"
import { EventRepo } from "../../src/store/EventRepo.ts"
import { ExecutionRepo } from "../../src/store/ExecutionRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { postWebhook } from "../support/http.ts"
import { createSource, eventsOfTenant, freshTenant, TestDatabase, TestServer } from "../support/TestLayers.ts"
import { insertTrigger } from "../support/triggers.ts"

// Issue 7, group commit: correctness of batching, not speed (that is `npm run bench`).

/**
 * Makes the database refuse a batch holding a row with `marker` in its body, for one tenant only; a row with `gate`
 * in its body waits for the advisory lock `gateLock`.
 */
const refuseRowsWith = (tenantId: TenantId, marker: string, gateLock: number) =>
  insertTrigger(
    "p_eventhook__event",
    `test_gate_${tenantId.replaceAll("-", "")}`,
    `IF NEW.tenant_id = '${tenantId}' THEN
          IF convert_from(NEW.raw_payload, 'UTF8') LIKE '%gate%' THEN PERFORM pg_advisory_xact_lock(${gateLock}); END IF;
          IF convert_from(NEW.raw_payload, 'UTF8') LIKE '%${marker}%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
        END IF;`
  )

/** Makes the database refuse duplicate rows of one tenant (the statement that stores a batch's repeats). */
const refuseDuplicatesOf = (tenantId: TenantId) =>
  insertTrigger(
    "p_eventhook__event",
    `test_no_dup_${tenantId.replaceAll("-", "")}`,
    `IF NEW.tenant_id = '${tenantId}' AND NEW.is_duplicate THEN RAISE EXCEPTION 'duplicates refused by the test'; END IF;`
  )

/** Holds the advisory lock `gateLock` in a transaction of its own until `release` is completed. */
const holdLock = (gateLock: number) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const holding = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    const holder = yield* sql
      .withTransaction(
        sql`SELECT pg_advisory_xact_lock(${gateLock})`.pipe(
          Effect.andThen(Deferred.succeed(holding, undefined)),
          Effect.andThen(Deferred.await(release))
        )
      )
      .pipe(Effect.forkScoped)
    yield* Deferred.await(holding)
    return { release, holder }
  })

/**
 * Writes `events` as one batch of the single-flusher writer: a first row (`{"gate":true}`) is held in the database
 * by an advisory lock while they queue behind it, then released. The first row's result, and the events' exits in
 * order.
 */
const writeAsOneBatch = (tenantId: TenantId, sourceId: SourceId, gateLock: number, events: ReadonlyArray<NewEvent>) =>
  Effect.gen(function* () {
    const writer = yield* EventWriter
    const { release, holder } = yield* holdLock(gateLock)
    const gate = yield* Effect.forkScoped(writer.write(newEvent(tenantId, sourceId, '{"gate":true}')))
    yield* Effect.sleep("200 millis")
    const next = yield* Effect.forkScoped(
      Effect.forEach(events, (event) => Effect.exit(writer.write(event)), { concurrency: "unbounded" })
    )
    yield* Effect.sleep("200 millis")
    yield* Deferred.succeed(release, undefined)
    yield* Fiber.join(holder)
    return { gated: yield* Fiber.join(gate), exits: yield* Fiber.join(next) }
  })

const newEvent = (tenantId: TenantId, sourceId: SourceId, body: string, key: string | null = null): NewEvent => ({
  tenant_id: tenantId,
  source_id: sourceId,
  content_type: "application/json",
  raw_payload: new TextEncoder().encode(body),
  parsed_payload: JSON.parse(body),
  headers: { "content-type": "application/json" },
  event_type: null,
  idempotency_key: key,
  status: "pending",
  max_retries: 3,
  last_error: null,
  verified: true,
  verification_error: null,
  verified_secret_index: null,
  source_ip: null
})

// The service runs with its own writer; the tests that line batches up use one with a single flusher, so the
// batches form in a known order.
const Writer = EventWriter.layerWith({ maxBatch: 128, concurrency: 1 }).pipe(Layer.provide(EventRepo.layer))
const App = EventhookCore.pipe(
  Layer.provide(PgHost),
  Layer.provideMerge(Writer),
  Layer.provideMerge(TestServer({ rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 }))
)

layer(App, { excludeTestServices: true })("group commit", (it) => {
  it.effect("concurrent requests share transactions, and each is acked with a row of its own", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" }, idempotency_key_paths: [] })
      const answers = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) => postWebhook<{ event_id: string }>(`/api/tenants/${tenant.slug}/eventhook/in/open`, `{"n":${i}}`),
        { concurrency: 50 }
      )
      assert.isTrue(answers.every((answer) => answer.status === 200))
      const ids = answers.map((answer) => answer.json.event_id)
      assert.strictEqual(new Set(ids).size, 200)
      const rows = yield* eventsOfTenant(tenant.id)
      assert.strictEqual(rows.length, 200)
      assert.sameMembers(
        rows.map((row) => row.id),
        ids
      )
      // Each request's own body is in the row it was told about.
      for (const [i, answer] of answers.entries())
        assert.deepStrictEqual(rows.find((row) => row.id === answer.json.event_id)?.parsed_payload, { n: i })
      // Rows committed by one transaction share its xmin: fewer transactions than rows means they were grouped.
      const sql = yield* PgClient.PgClient
      const [transactions] = yield* sql<{ count: string }>`
        SELECT count(DISTINCT xmin::text)::text AS count FROM p_eventhook__event WHERE tenant_id = ${tenant.id}`
      assert.isBelow(Number(transactions!.count), 200)
    })
  )

  it.effect("one batch stores rows of every shape column for column, NULLs, bytes and leases included", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "shapes", verifier_config: { type: "none" } })
      const events = yield* EventRepo
      const notUtf8 = new Uint8Array([0xff, 0x00, 0xfe, 0x0a])
      const rejected: NewEvent = {
        ...newEvent(tenant.id, sourceId, "{}"),
        content_type: null,
        raw_payload: notUtf8,
        parsed_payload: null,
        headers: {},
        status: "rejected",
        verified: false,
        verification_error: "signature mismatch"
      }
      const leased: NewEvent = {
        ...newEvent(tenant.id, sourceId, '{"a":[1,"b",null,{"c":true}]}', "key-1"),
        event_type: "order.created",
        verified_secret_index: 2,
        source_ip: "2001:db8::1",
        lease: { holder: "instance-a", seconds: 30 }
      }
      const failed: NewEvent = {
        ...newEvent(tenant.id, sourceId, '"just a string"'),
        status: "failed",
        last_error: "no route",
        max_retries: 0,
        source_ip: "10.0.0.7"
      }
      const stored = yield* events.insertBatch([rejected, leased, failed])
      const ids = stored.map((exit) => (Exit.isSuccess(exit) && exit.value._tag === "Stored" ? exit.value.id : null))
      assert.notInclude(ids, null)

      const sql = yield* PgClient.PgClient
      const rows = yield* sql<Record<string, unknown>>`
        SELECT id::text AS id, content_type, encode(raw_payload, 'hex') AS raw_hex, parsed_payload, headers,
               event_type, idempotency_key, status, max_retries, last_error, verified, verification_error,
               verified_secret_index, host(source_ip) AS source_ip, locked_by,
               locked_until BETWEEN now() + interval '25 seconds' AND now() + interval '35 seconds' AS leased_30s,
               locked_until IS NULL AS unleased
        FROM p_eventhook__event WHERE tenant_id = ${tenant.id}`
      const row = (id: string | null) => rows.find((r) => r.id === id)!
      assert.deepInclude(row(ids[0]!), {
        content_type: null,
        raw_hex: "ff00fe0a",
        parsed_payload: null,
        headers: {},
        event_type: null,
        idempotency_key: null,
        status: "rejected",
        verified: false,
        verification_error: "signature mismatch",
        verified_secret_index: null,
        source_ip: null,
        locked_by: null,
        unleased: true
      })
      assert.deepInclude(row(ids[1]!), {
        content_type: "application/json",
        parsed_payload: { a: [1, "b", null, { c: true }] },
        headers: { "content-type": "application/json" },
        event_type: "order.created",
        idempotency_key: "key-1",
        status: "pending",
        verified: true,
        verified_secret_index: 2,
        source_ip: "2001:db8::1",
        locked_by: "instance-a",
        leased_30s: true
      })
      assert.deepInclude(row(ids[2]!), {
        parsed_payload: "just a string",
        status: "failed",
        last_error: "no route",
        max_retries: 0,
        source_ip: "10.0.0.7",
        unleased: true
      })
    })
  )

  it.effect("repeats of one key within one batch: one accepted, the others duplicates of it", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "keyed", verifier_config: { type: "none" } })
      const writer = yield* EventWriter
      const stored = yield* Effect.forEach(
        Array.from({ length: 20 }, () => newEvent(tenant.id, sourceId, '{"id":"same"}', "same")),
        writer.write,
        { concurrency: "unbounded" }
      )
      const accepted = stored.filter((result) => result._tag === "Stored")
      assert.strictEqual(accepted.length, 1)
      for (const result of stored)
        if (result._tag === "Duplicate") assert.strictEqual(result.duplicateOf, accepted[0]!.id)
      const rows = yield* eventsOfTenant(tenant.id)
      assert.strictEqual(rows.filter((row) => row.status === "pending").length, 1)
      assert.strictEqual(rows.filter((row) => row.status === "duplicate").length, 19)
    })
  )

  it.effect(
    "a batch's repeats of earlier events are stored as duplicates of their own originals, by one statement",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, { slug: "repeats", verifier_config: { type: "none" } })
        const gateLock = Math.floor(Math.random() * 1_000_000_000)
        yield* refuseRowsWith(tenant.id, "never-sent", gateLock)
        const writer = yield* EventWriter
        const originalA = yield* writer.write(newEvent(tenant.id, sourceId, '{"id":"a"}', "a"))
        const originalB = yield* writer.write(newEvent(tenant.id, sourceId, '{"id":"b"}', "b"))
        const { exits } = yield* writeAsOneBatch(tenant.id, sourceId, gateLock, [
          newEvent(tenant.id, sourceId, '{"id":"a","try":2}', "a"),
          newEvent(tenant.id, sourceId, '{"id":"c"}', "c"),
          newEvent(tenant.id, sourceId, '{"id":"b","try":2}', "b"),
          newEvent(tenant.id, sourceId, '{"id":"a","try":3}', "a")
        ])
        const stored = exits.map((exit) => (Exit.isSuccess(exit) ? exit.value : assert.fail(String(exit))))
        assert.deepStrictEqual(
          stored.map((result) => [result._tag, result._tag === "Duplicate" ? result.duplicateOf : null]),
          [
            ["Duplicate", originalA.id],
            ["Stored", null],
            ["Duplicate", originalB.id],
            ["Duplicate", originalA.id]
          ]
        )
        // Each repeat's row holds its own body, and points at its original.
        const rows = yield* eventsOfTenant(tenant.id)
        const duplicates = rows.filter((row) => row.status === "duplicate")
        assert.sameDeepMembers(
          duplicates.map((row) => [row.is_duplicate, row.duplicate_of, row.parsed_payload]),
          [
            [true, originalA.id, { id: "a", try: 2 }],
            [true, originalB.id, { id: "b", try: 2 }],
            [true, originalA.id, { id: "a", try: 3 }]
          ]
        )
        // Stored together: the three duplicate rows were committed by one transaction.
        const sql = yield* PgClient.PgClient
        const [transactions] = yield* sql<{ count: string }>`
        SELECT count(DISTINCT xmin::text)::text AS count FROM p_eventhook__event
        WHERE tenant_id = ${tenant.id} AND is_duplicate`
        assert.strictEqual(transactions!.count, "1")
      })
  )

  it.effect("when a batch's repeats cannot be stored, only they fail: its new events are committed and answered", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "repeats", verifier_config: { type: "none" } })
      const gateLock = Math.floor(Math.random() * 1_000_000_000)
      yield* refuseRowsWith(tenant.id, "never-sent", gateLock)
      yield* refuseDuplicatesOf(tenant.id)
      const writer = yield* EventWriter
      yield* writer.write(newEvent(tenant.id, sourceId, '{"id":"x"}', "x"))
      const {
        exits: [repeat, fresh]
      } = yield* writeAsOneBatch(tenant.id, sourceId, gateLock, [
        newEvent(tenant.id, sourceId, '{"id":"x","try":2}', "x"),
        newEvent(tenant.id, sourceId, '{"id":"y"}', "y")
      ])
      assert.isTrue(Exit.isFailure(repeat!))
      if (Exit.isFailure(repeat!)) assert.include(String(Cause.squash(repeat.cause)), "BatchNotCommitted")
      assert.isTrue(Exit.isSuccess(fresh!) && fresh.value._tag === "Stored")
      const rows = yield* eventsOfTenant(tenant.id)
      assert.sameDeepMembers(
        rows.map((row) => row.parsed_payload),
        [{ id: "x" }, { gate: true }, { id: "y" }]
      )
    })
  )

  it.effect("a batch that does not commit fails every request in it and stores none of them", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "gated", verifier_config: { type: "none" } })
      const gateLock = Math.floor(Math.random() * 1_000_000_000)
      yield* refuseRowsWith(tenant.id, "poison", gateLock)
      // The first batch (a single row) waits in the database while the next batch gathers.
      const { gated, exits } = yield* writeAsOneBatch(
        tenant.id,
        sourceId,
        gateLock,
        ['{"clean":1}', '{"poison":true}', '{"clean":2}'].map((body) => newEvent(tenant.id, sourceId, body))
      )
      assert.strictEqual(gated._tag, "Stored")
      for (const exit of exits) {
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) assert.include(String(Cause.squash(exit.cause)), "BatchNotCommitted")
      }
      const rows = yield* eventsOfTenant(tenant.id)
      assert.deepStrictEqual(
        rows.map((row) => row.parsed_payload),
        [{ gate: true }]
      )
    })
  )

  it.effect("a body jsonb cannot store is refused with 400 before it is written, so it never fails a batch", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" }, idempotency_key_paths: [] })
      const path = `/api/tenants/${tenant.slug}/eventhook/in/open`
      const bodies = Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? `{"n":${i},"s":"\\ud800"}` : `{"n":${i}}`))
      const answers = yield* Effect.forEach(bodies, (body) => postWebhook(path, body), { concurrency: "unbounded" })
      assert.deepStrictEqual(
        answers.map((answer) => answer.status),
        bodies.map((body) => (body.includes("ud800") ? 400 : 200))
      )
      const rows = yield* eventsOfTenant(tenant.id)
      assert.strictEqual(rows.length, 40)
      assert.strictEqual(rows.filter((row) => row.status === "failed").length, 4)
    })
  )

  it.effect("over HTTP, a request whose batch does not commit gets 503 with Retry-After, and nothing is stored", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, { slug: "open", verifier_config: { type: "none" } })
      yield* refuseRowsWith(tenant.id, "poison", 1)
      const answer = yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/open`, '{"poison":true}')
      assert.strictEqual(answer.status, 503)
      assert.deepStrictEqual(answer.json, { error: "unavailable", message: "the database is unavailable, retry later" })
      assert.isDefined(answer.headers["retry-after"])
      assert.strictEqual((yield* eventsOfTenant(tenant.id)).length, 0)
      const fine = yield* postWebhook(`/api/tenants/${tenant.slug}/eventhook/in/open`, '{"fine":true}')
      assert.strictEqual(fine.status, 200)
    })
  )
})

layer(Layer.mergeAll(ExecutionRepo.layer, TenantRepo.layer).pipe(Layer.provideMerge(TestDatabase)), {
  excludeTestServices: true
})("group commit of the reference host's launches", (it) => {
  it.effect(
    "concurrent launches under one key, in one batch and after it: one workflow, every caller told its id",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const executions = yield* ExecutionRepo
        const launch = (key: string, n: number) =>
          executions.createOnce("workflow", {
            tenant_id: tenant.id,
            kind: "k",
            queue: "default",
            input: { n },
            idempotency_key: key,
            key_ttl_days: 7
          })
        const first = yield* Effect.forEach(
          Array.from({ length: 30 }, (_, n) => n),
          (n) => launch(n % 3 === 0 ? "shared" : `own-${n}`, n),
          { concurrency: "unbounded" }
        )
        const later = yield* launch("shared", 99)
        const shared = [...first.filter((_, n) => n % 3 === 0), later]
        assert.strictEqual(shared.filter((result) => result.created).length, 1)
        assert.strictEqual(new Set(shared.map((result) => result.id)).size, 1)
        const own = first.filter((_, n) => n % 3 !== 0)
        assert.isTrue(own.every((result) => result.created))
        const sql = yield* PgClient.PgClient
        const rows = yield* sql<{ id: string; n: number }>`
          SELECT id::text AS id, (input ->> 'n')::int AS n FROM workflow_execution WHERE tenant_id = ${tenant.id}`
        assert.strictEqual(rows.length, 1 + own.length)
        assert.sameMembers(
          rows.map((row) => row.id),
          [shared[0]!.id, ...own.map((result) => result.id)]
        )
        // Launches shared statements: fewer transactions than rows.
        const [transactions] = yield* sql<{ count: string }>`
          SELECT count(DISTINCT xmin::text)::text AS count FROM workflow_execution WHERE tenant_id = ${tenant.id}`
        assert.isBelow(Number(transactions!.count), rows.length)
      })
  )
})

// A writer that pipelines its statements on a connection of its own (EVENTHOOK_INGEST_PIPELINE, issue 22), with a
// statement per waiting request and none on the pool, so each write below is a batch of its own, sent behind the one
// before it.
const PipelinedWriter = EventWriter.layerWith({
  maxBatch: 128,
  concurrency: 1,
  pipeline: 4,
  pipelineOverflowAt: 1
}).pipe(Layer.provide(EventRepo.layer))
// Requests over HTTP take the service's own writer, pipelined by its settings.
const PipelinedApp = PipelinedWriter.pipe(
  Layer.provideMerge(
    TestServer({ ingestPipeline: 4, commitOverflowAt: 1, rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 })
  )
)

layer(PipelinedApp, { excludeTestServices: true })("group commit, pipelined", (it) => {
  it.effect("batches sent behind a held one wait for it, then each commits or fails on its own", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "piped", verifier_config: { type: "none" } })
      const gateLock = Math.floor(Math.random() * 1_000_000_000)
      yield* refuseRowsWith(tenant.id, "poison", gateLock)
      const sql = yield* PgClient.PgClient
      const writer = yield* EventWriter
      const { release, holder } = yield* holdLock(gateLock)
      const writes = []
      for (const body of ['{"gate":true}', '{"poison":true}', '{"clean":1}', '{"clean":2}']) {
        writes.push(yield* Effect.forkScoped(Effect.exit(writer.write(newEvent(tenant.id, sourceId, body)))))
        yield* Effect.sleep("100 millis")
      }
      // Nothing is answered while the first statement waits: the others are queued behind it on its connection
      // (on separate connections the clean ones would have committed by now).
      yield* Effect.sleep("200 millis")
      for (const write of writes) assert.isUndefined(write.pollUnsafe())
      const committedMeanwhile = yield* eventsOfTenant(tenant.id)
      assert.strictEqual(committedMeanwhile.length, 0)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const [gated, poisoned, clean1, clean2] = yield* Effect.forEach(writes, Fiber.join)
      assert.isTrue(Exit.isSuccess(gated!) && gated.value._tag === "Stored")
      assert.isTrue(Exit.isFailure(poisoned!))
      if (Exit.isFailure(poisoned!)) assert.include(String(Cause.squash(poisoned.cause)), "BatchNotCommitted")
      assert.isTrue(Exit.isSuccess(clean1!) && clean1.value._tag === "Stored")
      assert.isTrue(Exit.isSuccess(clean2!) && clean2.value._tag === "Stored")
      const rows = yield* eventsOfTenant(tenant.id)
      assert.sameDeepMembers(
        rows.map((row) => row.parsed_payload),
        [{ gate: true }, { clean: 1 }, { clean: 2 }]
      )
      // One statement each: the three rows were committed by three transactions.
      const [transactions] = yield* sql<{ count: string }>`
        SELECT count(DISTINCT xmin::text)::text AS count FROM p_eventhook__event WHERE tenant_id = ${tenant.id}`
      assert.strictEqual(transactions!.count, "3")
    })
  )

  it.effect("a statement held up on the pipeline does not hold up the pool: a pile of requests goes past it", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "past", verifier_config: { type: "none" } })
      const gateLock = Math.floor(Math.random() * 1_000_000_000)
      yield* refuseRowsWith(tenant.id, "never-sent", gateLock)
      const writer = yield* EventWriter
      const { release, holder } = yield* holdLock(gateLock)
      const gate = yield* Effect.forkScoped(writer.write(newEvent(tenant.id, sourceId, '{"gate":true}')))
      yield* Effect.sleep("100 millis")
      // Two waiting: the pool's second flusher takes them, on a connection of the pool, and commits them.
      const past = yield* Effect.forEach(
        ['{"past":1}', '{"past":2}'],
        (body) => writer.write(newEvent(tenant.id, sourceId, body)),
        { concurrency: "unbounded" }
      ).pipe(Effect.timeout("5 seconds"))
      assert.deepStrictEqual(
        past.map((stored) => stored._tag),
        ["Stored", "Stored"]
      )
      assert.isUndefined(gate.pollUnsafe())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      assert.strictEqual((yield* Fiber.join(gate))._tag, "Stored")
    }).pipe(
      Effect.provide(
        EventWriter.layerWith({ maxBatch: 128, concurrency: 2, overflowAt: 2, pipeline: 1 }).pipe(
          Layer.provide(EventRepo.layer)
        )
      )
    )
  )

  it.effect("concurrent requests over HTTP: every 200 has its own row, repeats of a key are its duplicates", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      yield* createSource(tenant.id, {
        slug: "open",
        verifier_config: { type: "none" },
        idempotency_key_paths: ["body.id"]
      })
      const answers = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) =>
          postWebhook<{ event_id: string }>(
            `/api/tenants/${tenant.slug}/eventhook/in/open`,
            `{"id":"k${i % 50}","n":${i}}`
          ),
        { concurrency: 50 }
      )
      assert.isTrue(answers.every((answer) => answer.status === 200))
      const rows = yield* eventsOfTenant(tenant.id)
      assert.sameMembers(
        rows.map((row) => row.id),
        answers.map((answer) => answer.json.event_id)
      )
      const originals = rows.filter((row) => !row.is_duplicate)
      assert.strictEqual(originals.length, 50)
      const originalOf = new Map(originals.map((row) => [(row.parsed_payload as { id: string }).id, row.id]))
      for (const row of rows.filter((row) => row.is_duplicate))
        assert.strictEqual(row.duplicate_of, originalOf.get((row.parsed_payload as { id: string }).id))
    })
  )
})
