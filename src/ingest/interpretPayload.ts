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

// PostgreSQL's jsonb cannot hold U+0000 (SQLSTATE 22P05), so such a payload cannot be stored parsed.
const holdsNulCharacter = (parsed: unknown) => parsed !== null && JSON.stringify(parsed).includes("\\u0000")

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
    Result.flatMap((payload) =>
      nestingDepth(payload) > MAX_NESTING
        ? Result.fail(`body nests deeper than ${MAX_NESTING} levels`)
        : holdsNulCharacter(payload)
          ? Result.fail("body holds a U+0000 character, which cannot be stored")
          : Result.succeed(payload)
    ),
    Result.map((payload) => {
      const input = { headers, body: payload }
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
