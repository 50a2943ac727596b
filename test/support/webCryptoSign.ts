// An HMAC made with WebCrypto, independent of Eventhook's node:crypto code, for providers without a signing SDK.
export const webCryptoHmac = async (
  hash: "SHA-1" | "SHA-256",
  key: string | Uint8Array,
  message: string | Uint8Array
): Promise<Uint8Array> => {
  const encode = (value: string | Uint8Array) => (typeof value === "string" ? new TextEncoder().encode(value) : value)
  const cryptoKey = await crypto.subtle.importKey("raw", encode(key), { name: "HMAC", hash }, false, ["sign"])
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encode(message)))
}

export const concat = (...parts: ReadonlyArray<string | Uint8Array>): Uint8Array => {
  const chunks = parts.map((part) => (typeof part === "string" ? new TextEncoder().encode(part) : part))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
export const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")
