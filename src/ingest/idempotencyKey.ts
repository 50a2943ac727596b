import { type PathInput, resolvePath } from "../domain/resolvePath.ts"

/** The source's dedupe key: the first of its `idempotency_key_paths` that resolves (CONTRACT §7). */
export const extractIdempotencyKey = (paths: ReadonlyArray<string> | null, input: PathInput): string | null => {
  for (const path of paths ?? []) {
    const value = resolvePath(path, input)
    if (value !== null && value !== "") return value
  }
  return null
}
