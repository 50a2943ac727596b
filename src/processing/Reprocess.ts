import { Context, Effect, Layer } from "effect"
import type { EventId, TenantId } from "../domain/ids.ts"
import { recordOperation } from "../metrics/metrics.ts"
import { EventRepo, type ReprocessSelection } from "../store/EventRepo.ts"
import { Processor } from "./Processor.ts"

/**
 * Reprocess (issue 4): a tenant's `failed` or `unrouted` events — by ids, or by filter with a required limit — go
 * back to `pending` with a fresh retry budget and are processed again. Actions that already succeeded are not
 * run again, and every target is idempotent per event and route, so nothing is started twice.
 */
export class Reprocess extends Context.Service<
  Reprocess,
  {
    readonly run: (tenantId: TenantId, selection: ReprocessSelection) => Effect.Effect<ReadonlyArray<EventId>>
  }
>()("eventhook/processing/Reprocess") {
  static readonly layer = Layer.effect(
    Reprocess,
    Effect.gen(function* () {
      const events = yield* EventRepo
      const processor = yield* Processor
      return Reprocess.of({
        run: Effect.fn("Reprocess.run")(function* (tenantId: TenantId, selection: ReprocessSelection) {
          const reset = yield* events.resetForReprocess(tenantId, selection)
          yield* Effect.forEach(reset, processor.submit, { discard: true })
          yield* recordOperation("reprocess", "reset", reset.length)
          yield* Effect.logInfo(`reprocessing ${reset.length} events`).pipe(
            Effect.annotateLogs({ tenant_id: tenantId })
          )
          return reset
        })
      })
    })
  )
}
