import { Result } from "effect"
import type { Interpreted } from "../domain/Event.ts"
import type { Source } from "../domain/Source.ts"
import { firstUnstorable } from "../domain/storable.ts"
import { extractEventType } from "./eventType.ts"
import { extractIdempotencyKey } from "./idempotencyKey.ts"
import { naturalIdempotencyKey } from "./naturalIdempotencyKey.ts"
import { parseBody } from "./parse.ts"

/** Why jsonb could not store the parsed body (one such row would fail the whole group-commit batch it rides in). */
const unstorable = (document: unknown): string | null => {
  const found = firstUnstorable(document)
  return found === null ? null : `body ${found.problem}`
}

/**
 * A verified body, parsed, with its event type and dedupe key (the source's `idempotency_key_paths`, or when
 * those are NULL the provider's natural delivery id); a failure says why the body does not parse.
 */
export const interpretPayload = (
  source: Pick<Source, "event_type_config" | "idempotency_key_paths" | "verifier_type">,
  headers: Readonly<Record<string, string | undefined>>,
  body: Uint8Array
): Result.Result<Interpreted, string> =>
  parseBody(headers["content-type"] ?? null, body).pipe(
    Result.flatMap((parsed) => {
      const problem = unstorable(parsed.payload)
      return problem === null ? Result.succeed(parsed) : Result.fail(problem)
    }),
    Result.map(({ payload, isBodyDocument }) => {
      const input = { headers, body: payload, exactIntegers: true }
      return {
        parsed_payload: payload,
        parsed_is_body: isBodyDocument,
        event_type: extractEventType(source.event_type_config, input),
        // NULL paths: the provider's natural delivery id; an empty list: no deduplication.
        idempotency_key:
          source.idempotency_key_paths === null
            ? naturalIdempotencyKey(source.verifier_type, headers, payload)
            : extractIdempotencyKey(source.idempotency_key_paths, input)
      }
    })
  )
