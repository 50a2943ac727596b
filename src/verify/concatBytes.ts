/** The parts (text as UTF-8) joined into one byte array: the message a scheme signs. */
export const concatBytes = (...parts: ReadonlyArray<string | Uint8Array>): Uint8Array => {
  const chunks = parts.map((part) => (typeof part === "string" ? new TextEncoder().encode(part) : part))
  const joined = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.length
  }
  return joined
}
