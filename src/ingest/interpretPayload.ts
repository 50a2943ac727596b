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

/** The first string (value or key) of the document that PostgreSQL's jsonb cannot store, walked without recursion. */
const unstorableString = (value: unknown): string | null => {
  const pending: Array<unknown> = [value]
  while (pending.length > 0) {
    const current = pending.pop()
    if (typeof current === "string") {
      const problem = unstorableText(current)
      if (problem !== null) return problem
    } else if (typeof current === "object" && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        const problem = Array.isArray(current) ? null : unstorableText(key)
        if (problem !== null) return problem
        pending.push(child)
      }
    }
  }
  return null
}

// Deeper documents overflow the stack of JSON.stringify and of PostgreSQL's jsonb input; no provider nests
// anywhere near this deep.
export const MAX_NESTING = 512

/** How deep arrays and objects nest, measured without recursion (the input may be hostile). */
const nestingDepth = (value: unknown): number => {
  let deepest = 0
  const pending: Array<[unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!
    if (typeof current !== "object" || current === null) continue
    deepest = Math.max(deepest, depth + 1)
    if (deepest > MAX_NESTING) return deepest
    for (const child of Object.values(current)) pending.push([child, depth + 1])
  }
  return deepest
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
      if (nestingDepth(payload) > MAX_NESTING) return Result.fail(`body nests deeper than ${MAX_NESTING} levels`)
      const unstorable = unstorableString(payload)
      return unstorable === null ? Result.succeed(payload) : Result.fail(unstorable)
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
