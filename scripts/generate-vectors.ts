// Regenerates the verification test vectors with the providers' own SDKs, never with Eventhook's code:
//   node scripts/generate-vectors.ts
// github.json: @octokit/webhooks-methods `sign`. hmac.json: WebCrypto (crypto.subtle), for the generic `hmac`
// verifier, which no provider SDK covers.

import { writeFileSync } from "node:fs"
import { sign } from "@octokit/webhooks-methods"

const payloads = [
  '{"action":"opened","number":1,"repository":{"full_name":"acme/widgets"}}',
  '{"zen":"Keep it logically awesome.","hook_id":123}\n',
  '{"message":"héllo wörld — ☃ ✓ 日本語 🚀","emoji":"👍🏽"}',
  '{"spacing" :  [ 1,2 , 3 ]  ,"unicode_escape":"\\u00e9"}'
]

const github = {
  sdk: `@octokit/webhooks-methods ${sign.VERSION}`,
  vectors: await Promise.all(
    payloads.map(async (payload, index) => {
      const secret = index % 2 === 0 ? "It's a Secret to Everybody" : "sëcret-ünicode-🔑"
      return { secret, payload, signature: await sign(secret, payload) }
    })
  )
}

const webCryptoHmac = async (algorithm: string, secret: string, payload: string) => {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: algorithm },
    false,
    ["sign"]
  )
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)))
}

const hmacCases: Array<Record<string, string | null>> = []
for (const [algorithm, hash] of [
  ["sha1", "SHA-1"],
  ["sha256", "SHA-256"],
  ["sha512", "SHA-512"]
] as const) {
  for (const encoding of ["hex", "base64"] as const) {
    for (const prefix of [undefined, `${algorithm}=`]) {
      const payload: string = payloads[hmacCases.length % payloads.length]!
      const secret = `secret-${algorithm}-${encoding}`
      const digest = Buffer.from(await webCryptoHmac(hash, secret, payload)).toString(encoding)
      hmacCases.push({
        algorithm,
        encoding,
        prefix: prefix ?? null,
        secret,
        payload,
        signature: `${prefix ?? ""}${digest}`
      })
    }
  }
}

const hmac = { sdk: `WebCrypto crypto.subtle (Node ${process.version})`, vectors: hmacCases }

writeFileSync(new URL("../test/vectors/github.json", import.meta.url), `${JSON.stringify(github, null, 2)}\n`)
writeFileSync(new URL("../test/vectors/hmac.json", import.meta.url), `${JSON.stringify(hmac, null, 2)}\n`)
console.log(`wrote ${github.vectors.length} github and ${hmac.vectors.length} hmac vectors`)
