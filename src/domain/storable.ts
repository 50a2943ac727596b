// PostgreSQL's text and jsonb cannot hold U+0000 (SQLSTATE 22021 / 22P05), nor jsonb a lone UTF-16 surrogate
// (JSON lets `"\ud800"` through). Input that would reach PostgreSQL is checked against these first, so it is the
// sender's 400 (or a lookup that finds nothing), never our 500 (issue 15).

/** Why PostgreSQL could not store this text, or null. */
export const unstorableText = (text: string): string | null =>
  text.includes("\u0000")
    ? "holds a U+0000 character, which cannot be stored"
    : text.isWellFormed()
      ? null
      : "holds a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF), which cannot be stored"

export const isStorableText = (text: string): boolean => unstorableText(text) === null

// Deeper documents overflow the stack of JSON.stringify and of PostgreSQL's jsonb input; no provider nests
// anywhere near this deep.
export const MAX_NESTING = 512

export interface Unstorable {
  /** Where: object keys and array indexes from the root. */
  readonly path: ReadonlyArray<string | number>
  readonly problem: string
}

/** Where a container sits: a linked path, built into an array only when there is something to report. */
interface Place {
  readonly parent: Place | null
  readonly key: string | number
  readonly depth: number
}

const pathOf = (place: Place | null, last?: string | number): ReadonlyArray<string | number> => {
  const path: Array<string | number> = last === undefined ? [] : [last]
  for (let at = place; at !== null && at.depth > 0; at = at.parent) path.unshift(at.key)
  return path
}

/**
 * The first place where jsonb could not store the document (a string, value or key, it refuses; nesting deeper
 * than `MAX_NESTING`), or null. One walk without recursion (the input may be hostile), linear in its size:
 * strings are checked where they are met, and only containers are stacked.
 */
export const firstUnstorable = (document: unknown): Unstorable | null => {
  if (typeof document === "string") {
    const problem = unstorableText(document)
    return problem === null ? null : { path: [], problem }
  }
  if (typeof document !== "object" || document === null) return null
  const containers: Array<object> = [document]
  const places: Array<Place> = [{ parent: null, key: "", depth: 0 }]
  const visit = (value: unknown, key: string | number, place: Place): Unstorable | null => {
    if (typeof value === "string") {
      const problem = unstorableText(value)
      return problem === null ? null : { path: pathOf(place, key), problem }
    }
    if (typeof value === "object" && value !== null) {
      containers.push(value)
      places.push({ parent: place, key, depth: place.depth + 1 })
    }
    return null
  }
  while (containers.length > 0) {
    const container = containers.pop()!
    const place = places.pop()!
    if (place.depth + 1 > MAX_NESTING)
      return { path: pathOf(place), problem: `nests deeper than ${MAX_NESTING} levels` }
    // Indexed loops: `for…in` took 3× as long (keys as strings, and an array read by string).
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index++) {
        const found = visit(container[index], index, place)
        if (found !== null) return found
      }
    } else {
      const keys = Object.keys(container)
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index]!
        const problem = unstorableText(key)
        if (problem !== null) return { path: pathOf(place, key), problem }
        const found = visit((container as Record<string, unknown>)[key], key, place)
        if (found !== null) return found
      }
    }
  }
  return null
}
