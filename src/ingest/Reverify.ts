import { Context, Effect, Layer, Option } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import type { Event } from "../domain/Event.ts"
import type { EventId } from "../domain/ids.ts"
import { ingestPath, publicIngestUrl } from "../domain/ingestUrl.ts"
import { recordOperation } from "../metrics/metrics.ts"
import { Processor } from "../processing/Processor.ts"
import { EventRepo, type RejectedSelection } from "../store/EventRepo.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { inspectRequest } from "./inspectRequest.ts"

export interface ReverifyReport {
  /** Now verified and queued for processing. */
  readonly promoted: ReadonlyArray<EventId>
  /** Now verified, but their key had been accepted meanwhile. */
  readonly duplicates: ReadonlyArray<EventId>
  /** Now verified, but the body does not parse (`failed`). */
  readonly invalidPayload: ReadonlyArray<EventId>
  /** Still rejected, with the reason of this attempt. */
  readonly stillRejected: ReadonlyArray<{ readonly eventId: EventId; readonly verificationError: string }>
}

/**
 * Quarantine → re-verify → promote (issue 3): `rejected` events are verified again with their source's current
 * config, as of their `received_at`; those that now verify become `pending` and are processed like any event.
 */
export class Reverify extends Context.Service<
  Reverify,
  { readonly run: (selection: RejectedSelection) => Effect.Effect<ReverifyReport> }
>()("eventhook/ingest/Reverify") {
  static readonly layer = Layer.effect(
    Reverify,
    Effect.gen(function* () {
      const publicUrl = Option.getOrNull((yield* AppConfig).publicUrl)
      const events = yield* EventRepo
      const sources = yield* SourceRepo
      const processor = yield* Processor

      const reverifyOne = Effect.fn("Reverify.one")(function* (event: Event) {
        const found = yield* sources.findById(event.source_id)
        if (Option.isNone(found))
          return { _tag: "StillRejected", verificationError: "source no longer exists" } as const
        const { source, tenantSlug } = found.value
        const url = publicIngestUrl(publicUrl, ingestPath(tenantSlug, source.slug))
        // Judged as of its arrival, so a timestamped scheme does not count the time it has waited since.
        const inspection = inspectRequest(
          source,
          { body: event.raw_payload, headers: event.headers, url },
          Math.floor(event.received_at.getTime() / 1000)
        )
        if (inspection._tag === "Rejected") {
          yield* events.setVerificationError(event.id, inspection.failure.description)
          return { _tag: "StillRejected", verificationError: inspection.failure.description } as const
        }
        const secretIndex = inspection.secretIndex
        if (inspection._tag === "Invalid") {
          yield* events.failVerified(event.id, `invalid_payload: ${inspection.reason}`, secretIndex)
          return { _tag: "InvalidPayload" } as const
        }
        const outcome = yield* events.promote(event.id, { interpreted: inspection.interpreted, secretIndex })
        if (outcome === "pending") yield* processor.submit(event.id)
        return { _tag: outcome } as const
      })

      const run = Effect.fn("Reverify.run")(function* (selection: RejectedSelection) {
        const report = {
          promoted: [] as Array<EventId>,
          duplicates: [] as Array<EventId>,
          invalidPayload: [] as Array<EventId>,
          stillRejected: [] as Array<{ eventId: EventId; verificationError: string }>
        }
        for (const event of yield* events.listRejected(selection)) {
          const outcome = yield* reverifyOne(event)
          switch (outcome._tag) {
            case "pending":
              report.promoted.push(event.id)
              break
            case "duplicate":
              report.duplicates.push(event.id)
              break
            case "InvalidPayload":
              report.invalidPayload.push(event.id)
              break
            case "StillRejected":
              report.stillRejected.push({ eventId: event.id, verificationError: outcome.verificationError })
              break
            case "unchanged":
              break
          }
        }
        yield* Effect.all(
          [
            recordOperation("reverify", "promoted", report.promoted.length),
            recordOperation("reverify", "duplicate", report.duplicates.length),
            recordOperation("reverify", "invalid_payload", report.invalidPayload.length),
            recordOperation("reverify", "still_rejected", report.stillRejected.length)
          ],
          { discard: true }
        )
        yield* Effect.logInfo("re-verification finished").pipe(
          Effect.annotateLogs({
            promoted: report.promoted.length,
            duplicates: report.duplicates.length,
            invalid_payload: report.invalidPayload.length,
            still_rejected: report.stillRejected.length
          })
        )
        return report satisfies ReverifyReport
      })

      return Reverify.of({ run })
    })
  )
}
