import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Layer, Queue, Schedule } from "effect"

/** The channel migration 0005 notifies on any change to tenants, sources or routes. */
export const CONFIG_CHANNEL = "eventhook_config"

const TTL_MILLIS = 60_000
const MAX_ENTRIES = 10_000

/**
 * Tenants, sources and routes kept in memory so the hot paths do not ask the database (issue 7). Correctness
 * rests on invalidation, not on the TTL: every change anywhere notifies `eventhook_config` (migration 0005)
 * and this instance drops everything; its own writes drop it at once. While the notification listener is not
 * connected, nothing is served from memory, so a missed notification can never leave a stale source in use.
 */
export class ConfigCache extends Context.Service<
  ConfigCache,
  {
    /** `load`'s value for `key`, from memory when it was loaded since the last change; kept when `keep` says so. */
    readonly get: <A, E>(
      key: string,
      load: () => Effect.Effect<A, E>,
      keep: (value: A) => boolean
    ) => Effect.Effect<A, E>
    /**
     * The value `get` would serve from memory for `key` now, without an effect; undefined where `get` would load
     * (for the ingest listener's fast lane, issue 22).
     */
    readonly peek: <A>(key: string) => A | undefined
    readonly invalidate: Effect.Effect<void>
  }
>()("eventhook/store/ConfigCache") {
  static readonly layer = Layer.effect(
    ConfigCache,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const entries = new Map<string, { readonly value: unknown; readonly expiresAt: number }>()
      let generation = 0
      let listening = false
      const invalidate = Effect.sync(() => {
        generation++
        entries.clear()
      })

      const listen = Effect.scoped(
        Effect.gen(function* () {
          const notifications = yield* sql.listen(CONFIG_CHANNEL)
          yield* Effect.addFinalizer(() =>
            Effect.andThen(
              Effect.sync(() => {
                listening = false
              }),
              invalidate
            )
          )
          yield* invalidate
          listening = true
          return yield* Queue.take(notifications).pipe(Effect.andThen(invalidate), Effect.forever)
        })
      )
      // Reconnects with backoff (1 s doubling to 30 s), so a server without LISTEN (a transaction pooler) costs a
      // warning now and then, not a loop; meanwhile every lookup goes to the database.
      yield* listen.pipe(
        Effect.catchCause((cause) => Effect.logWarning("config change listener lost; caches bypassed", cause)),
        Effect.repeat(
          Schedule.exponential("1 second", 2).pipe(
            Schedule.modifyDelay((step) => Effect.succeed(Duration.min(step.duration, Duration.seconds(30))))
          )
        ),
        Effect.forkScoped
      )

      const hitAt = (key: string, now: number) => {
        if (!listening) return undefined
        const hit = entries.get(key)
        return hit !== undefined && hit.expiresAt > now ? hit : undefined
      }
      // Hot path: a hit is one map lookup, and `load` is built only on a miss.
      const get = <A, E>(key: string, load: () => Effect.Effect<A, E>, keep: (value: A) => boolean) =>
        Effect.clockWith((clock) => {
          if (!listening) return load()
          const now = clock.currentTimeMillisUnsafe()
          const hit = hitAt(key, now)
          if (hit !== undefined) return Effect.succeed(hit.value as A)
          const loadedIn = generation
          return Effect.map(load(), (value) => {
            // A change that arrived while loading may have made the value stale: it is used once, not kept.
            if (keep(value) && loadedIn === generation && listening) {
              if (entries.size >= MAX_ENTRIES) entries.clear()
              entries.set(key, { value, expiresAt: now + TTL_MILLIS })
            }
            return value
          })
        })

      const peek = <A>(key: string) => hitAt(key, Date.now())?.value as A | undefined

      return ConfigCache.of({ get, peek, invalidate })
    })
  )
}
