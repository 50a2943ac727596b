import { Result } from "effect"
import type { Source } from "../domain/Source.ts"
import { extractEventType } from "./eventType.ts"
import { extractIdempotencyKey } from "./idempotencyKey.ts"
import { naturalIdempotencyKey } from "./naturalIdempotencyKey.ts"
import { parsePayload } from "./parse.ts"

export interface Interpreted {
  readonly parsed_payload: unknown
  readonly event_type: string | null
  readonly idempotency_key: string | null
}

// PostgreSQL's jsonb cannot hold U+0000 (SQLSTATE 22P05) nor a lone UTF-16 surrogate (JSON lets `"\ud800"`
// through; jsonb refuses it). Such a payload cannot be stored parsed — and one such row would fail the whole
// group-commit batch it rides in — so it is refused here, as invalid, before it is written.
const unstorableText = (text: string): string | null =>
  text.includes("\u0000")
    ? "body holds a U+0000 character, which cannot be stored"
    : text.isWellFormed()
      ? null
      : "body holds a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape), which cannot be stored"

// Deeper documents overflow the stack of JSON.stringify and of PostgreSQL's jsonb input; no provider nests
// anywhere near this deep.
export const MAX_NESTING = 512

/**
 * Why PostgreSQL's jsonb could not store the document (a string, value or key, it refuses; nesting deeper than
 * `MAX_NESTING`), or null. One walk without recursion (the input may be hostile).
 */
const unstorable = (document: unknown): string | null => {
  const values: Array<unknown> = [document]
  const depths: Array<number> = [0]
  while (values.length > 0) {
    const value = values.pop()
    const depth = depths.pop()!
    if (typeof value === "string") {
      const problem = unstorableText(value)
      if (problem !== null) return problem
    } else if (typeof value === "object" && value !== null) {
      if (depth + 1 > MAX_NESTING) return `body nests deeper than ${MAX_NESTING} levels`
      // Indexed loops: `for…in` took 3× as long (keys as strings, and an array read by string).
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          values.push(value[index])
          depths.push(depth + 1)
        }
      } else {
        const keys = Object.keys(value)
        for (let index = 0; index < keys.length; index++) {
          const key = keys[index]!
          const problem = unstorableText(key)
          if (problem !== null) return problem
          values.push((value as Record<string, unknown>)[key])
          depths.push(depth + 1)
        }
      }
    }
  }
  return null
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
  parsePayload(headers["content-type"] ?? null, body).pipe(
    Result.flatMap((payload) => {
      const problem = unstorable(payload)
      return problem === null ? Result.succeed(payload) : Result.fail(problem)
    }),
    Result.map((payload) => {
      const input = { headers, body: payload, exactIntegers: true }
      return {
        parsed_payload: payload,
        event_type: extractEventType(source.event_type_config, input),
        // NULL paths: the provider's natural delivery id; an empty list: no deduplication.
        idempotency_key:
          source.idempotency_key_paths === null
            ? naturalIdempotencyKey(source.verifier_type, headers, payload)
            : extractIdempotencyKey(source.idempotency_key_paths, input)
      }
    })
  )
