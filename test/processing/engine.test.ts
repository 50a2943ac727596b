import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Ref } from "effect"
import { AppConfig } from "../../src/config/AppConfig.ts"
import type { EventId, SourceId, TenantId } from "../../src/domain/ids.ts"
import { PgHost, PgPromiseResolver, PgTaskLauncher } from "../../src/host/PgHost.ts"
import { IngestFirst } from "../../src/processing/ingestFirst.ts"
import { defaultProcessorOptions, Processor } from "../../src/processing/Processor.ts"
import { EventActionRepo } from "../../src/store/EventActionRepo.ts"
import type { Lease } from "../../src/store/EventQueue.ts"
import { EventQueue } from "../../src/store/EventQueue.ts"
import { EventRepo } from "../../src/store/EventRepo.ts"
import { TenantRepo } from "../../src/store/TenantRepo.ts"
import { HttpSender } from "../../src/targets/HttpSender.ts"
import type { PromiseResolver } from "../../src/targets/PromiseResolver.ts"
import type { TaskLauncher } from "../../src/targets/TaskLauncher.ts"
import { TargetFailed, WorkflowLauncher } from "../../src/targets/WorkflowLauncher.ts"
import {
  actionsOfEvent,
  createRoute,
  createSource,
  eventsOfTenant,
  eventually,
  freshTenant,
  insertEvent,
  PlainRouteRepo,
  PlainSourceRepo,
  TestDatabase,
  testConfig
} from "../support/TestLayers.ts"

const fastOptions = {
  ...defaultProcessorOptions,
  pendingGraceSeconds: 0,
  sweepIdleMin: "10 millis",
  sweepIdleMax: "50 millis"
} as const

const Repos = Layer.mergeAll(
  TenantRepo.layer,
  PlainSourceRepo,
  PlainRouteRepo,
  EventRepo.layer,
  EventQueue.layer,
  EventActionRepo.layer,
  HttpSender.layer,
  IngestFirst.layer
)
const Config = (maxRetriesBase: { retryBaseSeconds: number }) =>
  Layer.unwrap(Effect.sync(() => AppConfig.layerWith(testConfig(maxRetriesBase))))

/** A processor (its own lease holder) over the shared test database. */
const processorWith = <R>(targets: Layer.Layer<WorkflowLauncher | TaskLauncher | PromiseResolver, never, R>) =>
  Processor.layerWith(fastOptions).pipe(Layer.provide(targets))

class Calls extends Context.Service<Calls, Ref.Ref<Record<string, number>>>()("test/Calls") {
  static readonly layer = Layer.effect(Calls, Ref.make<Record<string, number>>({}))
}

/** Fails kind `flaky` the first time it sees each idempotency key, `broken` always, anything else never. */
const FlakyLauncher = Layer.effect(
  WorkflowLauncher,
  Effect.gen(function* () {
    const calls = yield* Calls
    return WorkflowLauncher.of({
      launch: (launch) =>
        Ref.modify(calls, (seen) => {
          const count = (seen[launch.idempotencyKey] ?? 0) + 1
          return [count, { ...seen, [launch.idempotencyKey]: count }] as const
        }).pipe(
          Effect.flatMap((count) =>
            launch.kind === "broken" || (launch.kind === "flaky" && count === 1)
              ? Effect.fail(new TargetFailed({ message: `${launch.kind} attempt ${count}`, retryable: true }))
              : Effect.succeed({ executionId: `exec-${launch.kind}-${count}`, created: true })
          )
        )
    })
  })
)

const insertPending = (tenantId: TenantId, sourceId: SourceId, maxRetries = 3, lease: Lease | null = null) =>
  insertEvent({
    lease,
    tenant_id: tenantId,
    source_id: sourceId,
    content_type: "application/json",
    raw_payload: new TextEncoder().encode('{"n":1}'),
    parsed_payload: { n: 1 },
    headers: {},
    event_type: "thing.happened",
    idempotency_key: null,
    status: "pending",
    max_retries: maxRetries,
    last_error: null,
    verified: true,
    verification_error: null,
    verified_secret_index: null,
    source_ip: null
  }).pipe(Effect.map((stored) => stored.id))

const waitUntil = <A, E, R>(read: Effect.Effect<A, E, R>, done: (value: A) => boolean) =>
  eventually(read, done, { every: "25 millis", times: 600, failure: "condition not reached" })

const eventRow = (tenantId: TenantId, id: EventId) =>
  Effect.map(eventsOfTenant(tenantId), (rows) => rows.find((row) => row.id === id)!)

const deliveredOf = (tenantId: TenantId) =>
  Effect.flatMap(
    PgClient.PgClient,
    (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event
                                WHERE tenant_id = ${tenantId} AND status = 'delivered'`
  ).pipe(Effect.map((rows) => rows[0]!.n))

describe("retries", () => {
  const Live = processorWith(Layer.mergeAll(FlakyLauncher, PgTaskLauncher, PgPromiseResolver)).pipe(
    Layer.provideMerge(Calls.layer),
    Layer.provideMerge(Repos),
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(Config({ retryBaseSeconds: 0.2 }))
  )

  it.live("a failed action is retried after the backoff; only the actions that failed run again", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
      const steady = yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "steady" }
      })
      const flaky = yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "flaky" }
      })
      const eventId = yield* insertPending(tenant.id, sourceId)
      yield* (yield* Processor).submit(eventId)

      const failed = yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "failed")
      assert.strictEqual(failed.retry_count, 0)
      assert.isNotNull(failed.next_retry_at)
      assert.match(failed.last_error ?? "", /flaky attempt 1/)

      const delivered = yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
      assert.strictEqual(delivered.retry_count, 1)
      assert.isNull(delivered.next_retry_at)
      const actions = yield* actionsOfEvent(eventId)
      const statusesOf = (routeId: string) =>
        actions.filter((action) => action.route_id === routeId).map((action) => action.status)
      assert.deepStrictEqual(statusesOf(steady), ["success"])
      assert.deepStrictEqual(statusesOf(flaky), ["failed", "success"])
    }).pipe(Effect.provide(Live))
  )

  it.live("after max_retries retries the event stays failed with no next retry", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
      const broken = yield* createRoute(tenant.id, sourceId, {
        target_type: "workflow",
        target_config: { workflow_kind: "broken" }
      })
      const eventId = yield* insertPending(tenant.id, sourceId, 2)
      yield* (yield* Processor).submit(eventId)
      const final = yield* waitUntil(
        eventRow(tenant.id, eventId),
        (row) => row.status === "failed" && row.retry_count === 2 && row.next_retry_at === null
      )
      assert.match(final.last_error ?? "", /broken attempt 3/)
      yield* Effect.sleep("700 millis")
      const actions = yield* actionsOfEvent(eventId)
      assert.deepStrictEqual(
        actions.map((action) => [action.route_id as string, action.status as string]),
        [
          [broken, "failed"],
          [broken, "failed"],
          [broken, "failed"]
        ]
      )
    }).pipe(Effect.provide(Live))
  )
})

/** Takes its time: long enough to stop the processor while an action is in flight. */
const SlowLauncher = Layer.succeed(
  WorkflowLauncher,
  WorkflowLauncher.of({
    launch: (launch) =>
      Effect.sleep("400 millis").pipe(Effect.as({ executionId: `slow-${launch.idempotencyKey}`, created: true }))
  })
)

describe("shutdown", () => {
  const Shared = Repos.pipe(Layer.provideMerge(TestDatabase), Layer.provideMerge(Config({ retryBaseSeconds: 10 })))
  it.live("an event in flight when the processor stops finishes; nothing stays leased", () =>
    Effect.gen(function* () {
      const tenant = yield* freshTenant
      const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
      yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "slow" } })
      const eventId = yield* insertPending(tenant.id, sourceId)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(
            processorWith(Layer.mergeAll(SlowLauncher, PgTaskLauncher, PgPromiseResolver))
          )
          yield* Context.get(context, Processor).submit(eventId)
          yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "processing")
        })
      )
      const row = yield* eventRow(tenant.id, eventId)
      assert.strictEqual(row.status, "delivered")
      const sql = yield* PgClient.PgClient
      const [held] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event
                                                WHERE tenant_id = ${tenant.id} AND locked_by IS NOT NULL`
      assert.strictEqual(held?.n, 0)
    }).pipe(Effect.provide(Shared))
  )
})

describe("lease heartbeat", () => {
  const Shared = Repos.pipe(Layer.provideMerge(TestDatabase), Layer.provideMerge(Config({ retryBaseSeconds: 10 })))
  it.live(
    "an event slower than its lease is not taken over by another instance while it is worked on",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
        const routes = yield* Effect.forEach([3, 2, 1], (priority) =>
          createRoute(tenant.id, sourceId, {
            priority,
            target_type: "workflow",
            target_config: { workflow_kind: `tier-${priority}` }
          })
        )
        const eventId = yield* insertPending(tenant.id, sourceId)
        const shortLease = <R>(targets: Layer.Layer<WorkflowLauncher | TaskLauncher | PromiseResolver, never, R>) =>
          Processor.layerWith({ ...fastOptions, leaseSeconds: 1 }).pipe(Layer.provide(targets))
        const slow = Layer.mergeAll(SlowLauncher, PgTaskLauncher, PgPromiseResolver)
        yield* Effect.scoped(
          Effect.gen(function* () {
            const first = yield* Layer.build(shortLease(slow))
            yield* Layer.build(shortLease(slow))
            yield* Context.get(first, Processor).submit(eventId)
            yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
          })
        )
        const actions = yield* actionsOfEvent(eventId)
        assert.deepStrictEqual(
          actions.map((action) => action.route_id as string),
          routes.map((route) => route as string)
        )
      }).pipe(Effect.provide(Shared)),
    30_000
  )
})

/** A tenant with a source whose one route starts a workflow. */
const routedToWorkflow = Effect.gen(function* () {
  const tenant = yield* freshTenant
  const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
  yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "k" } })
  return { tenant, sourceId }
})

describe("new events handed over in memory", () => {
  const Shared = Repos.pipe(Layer.provideMerge(TestDatabase), Layer.provideMerge(Config({ retryBaseSeconds: 10 })))
  const workflowsOf = (tenantId: TenantId) =>
    Effect.flatMap(
      PgClient.PgClient,
      (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM workflow_execution WHERE tenant_id = ${tenantId}`
    ).pipe(Effect.map((rows) => rows[0]!.n))
  const forProcessing = (tenantId: TenantId, sourceId: SourceId, id: EventId, bodyBytes = 7) => ({
    id,
    tenant_id: tenantId,
    source_id: sourceId,
    content_type: "application/json",
    raw_payload: new TextEncoder().encode(`{"n":1}`),
    parsed_payload: { n: 1 },
    headers: {},
    event_type: "thing.happened",
    retry_count: 0,
    max_retries: 3,
    succeeded_route_ids: [],
    body_bytes: bodyBytes,
    trace_parent: null,
    received_at: new Date()
  })

  it.live(
    "an event stored under an instance's lease is left to it by other instances' sweeps, then processed once",
    () =>
      Effect.gen(function* () {
        const { tenant, sourceId } = yield* routedToWorkflow
        yield* Effect.scoped(
          Effect.gen(function* () {
            const mine = Context.get(yield* Layer.build(processorWith(PgHost)), Processor)
            // Another instance sweeping every few milliseconds, with no grace for pending events.
            yield* Layer.build(processorWith(PgHost))
            const lease = mine.leaseForNew(7)
            assert.isNotNull(lease)
            const eventId = yield* insertPending(tenant.id, sourceId, 3, lease)
            yield* Effect.sleep("400 millis")
            const waiting = yield* eventRow(tenant.id, eventId)
            assert.strictEqual(waiting.status, "pending")
            yield* mine.handOver(forProcessing(tenant.id, sourceId, eventId))
            yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
          })
        )
        assert.strictEqual(yield* workflowsOf(tenant.id), 1)
        const sql = yield* PgClient.PgClient
        const [held] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM p_eventhook__event
                                                WHERE tenant_id = ${tenant.id} AND locked_by IS NOT NULL`
        assert.strictEqual(held?.n, 0)
      }).pipe(Effect.provide(Shared))
  )

  // Issue 22: ingest first with a threshold of one request in flight, and no floor: a request that has started and
  // not ended is a queue.
  const queuedBy = (maxLagSeconds: number) =>
    Effect.gen(function* () {
      const first = Context.get(
        yield* Layer.build(
          IngestFirst.layerWith({
            maxLagSeconds,
            queuedAt: 1,
            releaseRatio: 0.5,
            smoothing: 1,
            sampleMillis: 20,
            floorPerSecond: 0
          })
        ),
        IngestFirst
      )
      first.requestStarted()
      const processor = Context.get(
        yield* Layer.build(
          Processor.layerWith(fastOptions).pipe(Layer.provide(PgHost), Layer.provide(Layer.succeed(IngestFirst, first)))
        ),
        Processor
      )
      return { processor, first }
    })

  it.live("ingest first: while requests queue a new event waits; once the queue is gone it is processed", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      yield* Effect.scoped(
        Effect.gen(function* () {
          const { processor, first } = yield* queuedBy(30)
          yield* Effect.sleep("60 millis")
          const lease = processor.leaseForNew(7)
          const eventId = yield* insertPending(tenant.id, sourceId, 3, lease)
          yield* processor.handOver(forProcessing(tenant.id, sourceId, eventId))
          yield* Effect.sleep("600 millis")
          assert.strictEqual((yield* eventRow(tenant.id, eventId)).status, "pending")
          first.requestEnded()
          yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
        })
      )
      assert.strictEqual(yield* workflowsOf(tenant.id), 1)
    }).pipe(Effect.provide(Shared))
  )

  it.live("ingest first holds no event back beyond its lag bound, however long requests queue", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      yield* Effect.scoped(
        Effect.gen(function* () {
          const { processor } = yield* queuedBy(1)
          yield* Effect.sleep("60 millis")
          const lease = processor.leaseForNew(7)
          const eventId = yield* insertPending(tenant.id, sourceId, 3, lease)
          const handedOverAt = Date.now()
          yield* processor.handOver(forProcessing(tenant.id, sourceId, eventId))
          yield* Effect.sleep("500 millis")
          assert.strictEqual((yield* eventRow(tenant.id, eventId)).status, "pending")
          yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
          assert.isAtLeast(Date.now() - handedOverAt, 1000)
        })
      )
      assert.strictEqual(yield* workflowsOf(tenant.id), 1)
    }).pipe(Effect.provide(Shared))
  )

  it.live("when enough handed-over events wait already, a new event is stored unleased and a sweep processes it", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      yield* Effect.scoped(
        Effect.gen(function* () {
          const full = Processor.layerWith({ ...fastOptions, maxLeasedWaiting: 0 }).pipe(Layer.provide(PgHost))
          const processor = Context.get(yield* Layer.build(full), Processor)
          const lease = processor.leaseForNew(7)
          assert.isNull(lease)
          const eventId = yield* insertPending(tenant.id, sourceId, 3, lease)
          yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
        })
      )
      assert.strictEqual(yield* workflowsOf(tenant.id), 1)
    }).pipe(Effect.provide(Shared))
  )

  it.live("the events waiting in memory are bounded by the size of their bodies too", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const small = Processor.layerWith({ ...fastOptions, maxLeasedWaitingBytes: 1000 }).pipe(Layer.provide(PgHost))
        const processor = Context.get(yield* Layer.build(small), Processor)
        assert.isNotNull(processor.leaseForNew(1000))
        assert.isNull(processor.leaseForNew(1001))
      })
    ).pipe(Effect.provide(Shared))
  )

  it.live(
    "an event leased to a live instance that never got it in hand (its request timed out) is not renewed",
    () =>
      Effect.gen(function* () {
        const { tenant, sourceId } = yield* routedToWorkflow
        const Sleepy = Layer.succeed(
          WorkflowLauncher,
          WorkflowLauncher.of({
            launch: () => Effect.sleep("3 seconds").pipe(Effect.as({ executionId: "x", created: true }))
          })
        )
        yield* Effect.scoped(
          Effect.gen(function* () {
            // It does not sweep (after its first, empty sweep), so only the other instance can take what it strands.
            const notSweeping = { sweepIdleMin: "1 hour", sweepIdleMax: "1 hour" } as const
            const stranding = Processor.layerWith({ ...fastOptions, ...notSweeping, leaseSeconds: 1 }).pipe(
              Layer.provide(Layer.mergeAll(Sleepy, PgTaskLauncher, PgPromiseResolver))
            )
            const stranded = Context.get(yield* Layer.build(stranding), Processor)
            // In hand and slow: its lease is renewed every 1/3 s while it runs.
            const busyId = yield* insertPending(tenant.id, sourceId, 3, stranded.leaseForNew(7))
            yield* stranded.handOver(forProcessing(tenant.id, sourceId, busyId))
            // Leased, but never handed over.
            const strandedId = yield* insertPending(tenant.id, sourceId, 3, stranded.leaseForNew(7))
            yield* Layer.build(processorWith(PgHost))
            yield* waitUntil(eventRow(tenant.id, strandedId), (row) => row.status === "delivered")
            assert.strictEqual((yield* eventRow(tenant.id, busyId)).status, "pending")
          })
        )
        assert.strictEqual(yield* workflowsOf(tenant.id), 1)
      }).pipe(Effect.provide(Shared)),
    30_000
  )

  it.live("the events processed at once are bounded by the size of their bodies", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      const running = { now: 0, most: 0 }
      const Counting = Layer.succeed(
        WorkflowLauncher,
        WorkflowLauncher.of({
          launch: (launch) =>
            Effect.acquireUseRelease(
              Effect.sync(() => {
                running.now++
                running.most = Math.max(running.most, running.now)
              }),
              () => Effect.sleep("100 millis").pipe(Effect.as({ executionId: launch.idempotencyKey, created: true })),
              () => Effect.sync(() => running.now--)
            )
        })
      )
      yield* Effect.scoped(
        Effect.gen(function* () {
          const narrow = Processor.layerWith({ ...fastOptions, maxInFlightBytes: 1000 }).pipe(
            Layer.provide(Layer.mergeAll(Counting, PgTaskLauncher, PgPromiseResolver))
          )
          const processor = Context.get(yield* Layer.build(narrow), Processor)
          const ids = yield* Effect.forEach(Array.from({ length: 4 }), () =>
            insertPending(tenant.id, sourceId, 3, processor.leaseForNew(600))
          )
          yield* Effect.forEach(ids, (id) => processor.handOver(forProcessing(tenant.id, sourceId, id, 600)))
          yield* Effect.forEach(ids, (id) => waitUntil(eventRow(tenant.id, id), (row) => row.status === "delivered"))
        })
      )
      // Two 600-byte bodies do not fit in 1,000 bytes: one at a time.
      assert.strictEqual(running.most, 1)
    }).pipe(Effect.provide(Shared))
  )

  it.live("an event leased to an instance that died before taking it is reclaimed when the lease runs out", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      const eventId = yield* insertPending(tenant.id, sourceId, 3, { holder: "crashed-instance", seconds: 2 })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(processorWith(PgHost))
          yield* Effect.sleep("500 millis")
          assert.strictEqual((yield* eventRow(tenant.id, eventId)).status, "pending")
          yield* waitUntil(eventRow(tenant.id, eventId), (row) => row.status === "delivered")
        })
      )
      assert.strictEqual(yield* workflowsOf(tenant.id), 1)
    }).pipe(Effect.provide(Shared))
  )
})

describe("crash recovery and several instances", () => {
  const Shared = Repos.pipe(Layer.provideMerge(TestDatabase), Layer.provideMerge(Config({ retryBaseSeconds: 10 })))

  it.live("an event whose lease was left behind by a crashed instance is reclaimed and processed", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      const eventId = yield* insertPending(tenant.id, sourceId)
      const sql = yield* PgClient.PgClient
      // What a crash mid-event leaves: processing, leased by an instance that is gone, lease expired.
      yield* sql`UPDATE p_eventhook__event SET status = 'processing', locked_by = 'crashed-instance',
                 locked_until = now() - interval '1 second' WHERE id = ${eventId}`
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(processorWith(PgHost))
          const row = yield* waitUntil(eventRow(tenant.id, eventId), (r) => r.status === "delivered")
          assert.strictEqual(row.status, "delivered")
        })
      )
      const [count] = yield* sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM workflow_execution WHERE tenant_id = ${tenant.id}`
      assert.strictEqual(count?.n, 1)
    }).pipe(Effect.provide(Shared))
  )

  it.live("a crashed instance's queue, many sweep batches deep, is drained by sweeps, each event once", () =>
    Effect.gen(function* () {
      const { tenant, sourceId } = yield* routedToWorkflow
      const sql = yield* PgClient.PgClient
      // What a crash leaves behind (migration 0006 indexes both kinds): 60 events leased to the dead instance, the
      // lease run out, and 60 it never leased (a full hand-off), all long past the grace.
      yield* sql`
        INSERT INTO p_eventhook__event (tenant_id, source_id, content_type, raw_payload, parsed_payload, headers,
          event_type, status, max_retries, verified, received_at, locked_by, locked_until)
        SELECT ${tenant.id}, ${sourceId}, 'application/json', convert_to('{"n":' || i || '}', 'UTF8'),
          jsonb_build_object('n', i), '{}'::jsonb, 'thing.happened',
          CASE WHEN i % 2 = 0 THEN 'processing' ELSE 'pending' END, 3, true, now() - interval '1 minute',
          CASE WHEN i % 2 = 0 THEN 'crashed-instance' END,
          CASE WHEN i % 2 = 0 THEN now() - interval '1 second' END
        FROM generate_series(1, 120) AS i`
      yield* Effect.scoped(
        Effect.gen(function* () {
          // Batches of 8 of each kind: the queue is at least eight sweeps deep.
          yield* Layer.build(Processor.layerWith({ ...fastOptions, sweepBatch: 8 }).pipe(Layer.provide(PgHost)))
          yield* waitUntil(deliveredOf(tenant.id), (delivered) => delivered === 120).pipe(Effect.orDie)
        })
      )
      const [workflows] = yield* sql<{ n: number; inputs: number }>`
        SELECT count(*)::int AS n, count(DISTINCT input ->> 'n')::int AS inputs
        FROM workflow_execution WHERE tenant_id = ${tenant.id}`
      assert.deepStrictEqual(workflows, { n: 120, inputs: 120 })
      const [actions] = yield* sql<{ n: number; per_event_max: number }>`
        SELECT count(*)::int AS n, max(c)::int AS per_event_max FROM (
          SELECT count(*) AS c FROM p_eventhook__event_action a JOIN p_eventhook__event e ON e.id = a.event_id
          WHERE e.tenant_id = ${tenant.id} GROUP BY a.event_id) per_event`
      assert.deepStrictEqual(actions, { n: 120, per_event_max: 1 })
      const [leftovers] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM p_eventhook__event
        WHERE tenant_id = ${tenant.id} AND (locked_by IS NOT NULL OR locked_until IS NOT NULL)`
      assert.strictEqual(leftovers?.n, 0)
    }).pipe(Effect.provide(Shared))
  )

  it.live(
    "two processors on one database process 500 events once each, with no duplicate workflow rows",
    () =>
      Effect.gen(function* () {
        const tenant = yield* freshTenant
        const sourceId = yield* createSource(tenant.id, { slug: "s", verifier_config: { type: "none" } })
        yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "a" } })
        yield* createRoute(tenant.id, sourceId, { target_type: "workflow", target_config: { workflow_kind: "b" } })
        const ids = yield* Effect.forEach(Array.from({ length: 500 }), () => insertPending(tenant.id, sourceId), {
          concurrency: 10
        })
        const sql = yield* PgClient.PgClient
        yield* Effect.scoped(
          Effect.gen(function* () {
            const first = yield* Layer.build(processorWith(PgHost))
            const second = yield* Layer.build(processorWith(PgHost))
            // Both mailboxes get every id, as if both instances had heard of each event; the lease decides.
            yield* Effect.forEach(ids, (id) => Context.get(first, Processor).submit(id), { discard: true })
            yield* Effect.forEach(ids, (id) => Context.get(second, Processor).submit(id), { discard: true })
            yield* waitUntil(deliveredOf(tenant.id), (delivered) => delivered === 500).pipe(Effect.orDie)
          })
        )
        const [workflows] = yield* sql<{ n: number; distinct_inputs: number }>`
        SELECT count(*)::int AS n FROM workflow_execution WHERE tenant_id = ${tenant.id}`
        assert.strictEqual(workflows?.n, 1000)
        const [actions] = yield* sql<{ n: number; per_route_max: number }>`
        SELECT count(*)::int AS n, max(c)::int AS per_route_max FROM (
          SELECT count(*) AS c FROM p_eventhook__event_action a JOIN p_eventhook__event e ON e.id = a.event_id
          WHERE e.tenant_id = ${tenant.id} GROUP BY a.event_id, a.route_id) per_route`
        assert.strictEqual(actions?.n, 1000)
        assert.strictEqual(actions?.per_route_max, 1)
      }).pipe(Effect.provide(Shared)),
    60_000
  )
})
