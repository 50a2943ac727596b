// Regenerates the verification test vectors with the providers' own SDKs, never with Eventhook's code:
//   node scripts/generate-vectors.ts
// github.json: @octokit/webhooks-methods `sign`. stripe.json: stripe `webhooks.generateTestHeaderString`.
// standard_webhooks.json: standardwebhooks and svix `Webhook.sign`. twilio.json: twilio
// `getExpectedTwilioSignature`. square.json: signed with WebCrypto and checked by square's
// `WebhooksHelper.verifySignature`. hmac.json: WebCrypto (crypto.subtle), for the generic `hmac` verifier, which
// no provider SDK covers. Each file names the SDK and version that made it.
import { readFileSync, writeFileSync } from "node:fs"
import { sign } from "@octokit/webhooks-methods"
import { WebhooksHelper } from "square"
import { Webhook as StandardWebhook } from "standardwebhooks"
import Stripe from "stripe"
import { Webhook as SvixWebhook } from "svix"
import twilio from "twilio"

const versionOf = (name: string): string =>
  JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")).version

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

// Signed at a fixed time; tests verify them with `now` set relative to it.
const SIGNED_AT = 1_700_000_000

const stripeClient = new Stripe("sk_test_vectors")
const stripe = {
  sdk: `stripe ${versionOf("stripe")}`,
  signedAt: SIGNED_AT,
  vectors: payloads.map((payload, index) => {
    const secret = `whsec_stripe_vector_${index}`
    return {
      secret,
      payload,
      header: stripeClient.webhooks.generateTestHeaderString({ payload, secret, timestamp: SIGNED_AT })
    }
  })
}

const standardWebhooks = {
  sdk: `standardwebhooks ${versionOf("standardwebhooks")} and svix ${versionOf("svix")}`,
  signedAt: SIGNED_AT,
  vectors: payloads.flatMap((payload, index) => {
    const secret = `whsec_${Buffer.from(`standard-webhooks-key-${index}-0123456789`).toString("base64")}`
    const id = `msg_${index}`
    return [
      {
        sdk: "standardwebhooks",
        headers: "webhook",
        secret,
        id,
        payload,
        signature: new StandardWebhook(secret).sign(id, new Date(SIGNED_AT * 1000), payload)
      },
      {
        sdk: "svix",
        headers: "svix",
        secret,
        id,
        payload,
        signature: new SvixWebhook(secret).sign(id, new Date(SIGNED_AT * 1000), payload)
      }
    ]
  })
}

const twilioVectors = {
  sdk: `twilio ${versionOf("twilio")}`,
  vectors: [
    {
      kind: "form",
      authToken: "12345",
      url: "https://mycompany.example/myapp.php?foo=1&bar=2",
      body: "CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234&From=%2B14158675310&To=%2B18005551212",
      signature: twilio.getExpectedTwilioSignature("12345", "https://mycompany.example/myapp.php?foo=1&bar=2", {
        CallSid: "CA1234567890ABCDE",
        Caller: "+14158675310",
        Digits: "1234",
        From: "+14158675310",
        To: "+18005551212"
      })
    },
    (() => {
      const body = payloads[2]!
      const hash = twilio.getExpectedBodyHash(body)
      const url = `https://mycompany.example/hooks/json?bodySHA256=${hash}`
      return {
        kind: "json",
        authToken: "tw1l10-t0k3n",
        url,
        body,
        signature: twilio.getExpectedTwilioSignature("tw1l10-t0k3n", url, {})
      }
    })()
  ]
}

const squareVectors = {
  sdk: `WebCrypto, checked by square ${versionOf("square")} WebhooksHelper.verifySignature`,
  vectors: await Promise.all(
    payloads.map(async (payload, index) => {
      const signatureKey = `square-signature-key-${index}`
      const notificationUrl = `https://hooks.example.com/api/tenants/acme/eventhook/in/square-${index}`
      const signature = Buffer.from(await webCryptoHmac("SHA-256", signatureKey, notificationUrl + payload)).toString(
        "base64"
      )
      const valid = await WebhooksHelper.verifySignature({
        requestBody: payload,
        signatureHeader: signature,
        signatureKey,
        notificationUrl
      })
      if (!valid) throw new Error("square's own verifier rejects a vector")
      return { signatureKey, notificationUrl, payload, signature }
    })
  )
}

writeFileSync(new URL("../test/vectors/github.json", import.meta.url), `${JSON.stringify(github, null, 2)}\n`)
writeFileSync(new URL("../test/vectors/hmac.json", import.meta.url), `${JSON.stringify(hmac, null, 2)}\n`)
writeFileSync(new URL("../test/vectors/stripe.json", import.meta.url), `${JSON.stringify(stripe, null, 2)}\n`)
writeFileSync(
  new URL("../test/vectors/standard_webhooks.json", import.meta.url),
  `${JSON.stringify(standardWebhooks, null, 2)}\n`
)
writeFileSync(new URL("../test/vectors/twilio.json", import.meta.url), `${JSON.stringify(twilioVectors, null, 2)}\n`)
writeFileSync(new URL("../test/vectors/square.json", import.meta.url), `${JSON.stringify(squareVectors, null, 2)}\n`)
console.log("wrote github, hmac, stripe, standard_webhooks, twilio and square vectors")
