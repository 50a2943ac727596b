import { Result } from "effect"
import type { Interpreted } from "../domain/Event.ts"
import type { Source } from "../domain/Source.ts"
import { type HandshakeAnswer, handshakeAnswer } from "../verify/handshake.ts"
import { verifierConfigOf, verifyRequest } from "../verify/registry.ts"
import type { RawRequest, VerificationFailed } from "../verify/types.ts"
import { interpretPayload } from "./interpretPayload.ts"

/** What the pipeline makes of a request: why it is refused, or what it is. */
export type Inspection =
  /** The verifier refused it (a config that does not decode refuses every request: never fail open). */
  | { readonly _tag: "Rejected"; readonly failure: VerificationFailed }
  /** Verified, but the body does not parse as its Content-Type says. */
  | { readonly _tag: "Invalid"; readonly secretIndex: number | null; readonly reason: string }
  /** Verified and parsed; `handshake` when it is a provider's endpoint check to answer rather than an event. */
  | {
      readonly _tag: "Accepted"
      readonly secretIndex: number | null
      readonly interpreted: Interpreted
      readonly handshake: HandshakeAnswer | null
    }

/**
 * verify → parse → handshake, pure, over the exact bytes: the one pipeline step that live ingest, the source
 * tester and re-verification share. `nowSeconds` is when the request is judged (a stored event's `received_at`
 * when it is verified again).
 */
export const inspectRequest = (
  source: Pick<Source, "verifier_type" | "verifier_config" | "event_type_config" | "idempotency_key_paths">,
  request: RawRequest,
  nowSeconds: number
): Inspection => {
  const verified = verifyRequest(source, request, nowSeconds)
  if (Result.isFailure(verified)) return { _tag: "Rejected", failure: verified.failure }
  const secretIndex = verified.success.secretIndex
  const interpreted = interpretPayload(source, request.headers, request.body)
  if (Result.isFailure(interpreted)) return { _tag: "Invalid", secretIndex, reason: interpreted.failure }
  return {
    _tag: "Accepted",
    secretIndex,
    interpreted: interpreted.success,
    // The config decoded, or the request could not have verified (it is decoded once per source: memoized).
    handshake: Result.match(verifierConfigOf(source), {
      onSuccess: (config) => handshakeAnswer(config, verified.success, interpreted.success.parsed_payload),
      onFailure: () => null
    })
  }
}
