import { describe, it } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { Result } from "effect"
import fc from "fast-check"
import { Webhook as StandardWebhook } from "standardwebhooks"
import Stripe from "stripe"
import { verifyRequest } from "../../src/verify/registry.ts"

const T0 = 1_700_000_000
const stripe = new Stripe("sk_test_properties")

const verifies = (config: Record<string, unknown>, body: Uint8Array, headers: Record<string, string>) =>
  Result.isSuccess(
    verifyRequest({ verifier_type: String(config.type), verifier_config: config }, { body, headers }, T0)
  )

const flipByte = (bytes: Uint8Array, index: number, mask: number) => {
  const copy = new Uint8Array(bytes)
  copy[index % copy.length]! ^= mask
  return copy
}

/** A different character of the same alphabet at one position of the signature text. */
const flipChar = (text: string, index: number, alphabet: string) => {
  const at = index % text.length
  const current = alphabet.indexOf(text[at]!)
  const replacement = alphabet[(current + 1) % alphabet.length]!
  return text.slice(0, at) + replacement + text.slice(at + 1)
}

const HEX = "0123456789abcdef"
const body = fc.string({ unit: "binary", minLength: 1, maxLength: 2000 })
const secret = fc.string({ unit: "grapheme", minLength: 1, maxLength: 64 })
const flip = fc.record({ index: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) })

describe("properties: SDK signatures verify; any single flipped byte does not", () => {
  it("github (@octokit/webhooks-methods)", async () => {
    await fc.assert(
      fc.asyncProperty(body, secret, flip, async (payload, key, { index, mask }) => {
        const signature = await sign(key, payload)
        const bytes = new TextEncoder().encode(payload)
        const config = { type: "github", secret: key }
        const header = { "x-hub-signature-256": signature }
        const digits = signature.slice("sha256=".length)
        return (
          verifies(config, bytes, header) &&
          !verifies(config, flipByte(bytes, index, mask), header) &&
          !verifies(config, bytes, { "x-hub-signature-256": `sha256=${flipChar(digits, index, HEX)}` })
        )
      }),
      { numRuns: 150 }
    )
  })

  it("stripe (generateTestHeaderString)", () => {
    fc.assert(
      fc.property(body, secret, flip, (payload, key, { index, mask }) => {
        const header = stripe.webhooks.generateTestHeaderString({ payload, secret: key, timestamp: T0 })
        const bytes = new TextEncoder().encode(payload)
        const config = { type: "stripe", secret: key }
        const [t, v1] = header.split(",") as [string, string]
        const flipped = `${t},v1=${flipChar(v1.slice(3), index, HEX)}`
        return (
          verifies(config, bytes, { "stripe-signature": header }) &&
          !verifies(config, flipByte(bytes, index, mask), { "stripe-signature": header }) &&
          !verifies(config, bytes, { "stripe-signature": flipped })
        )
      }),
      { numRuns: 150 }
    )
  })

  it("standard webhooks (standardwebhooks)", () => {
    const keyBytes = fc.uint8Array({ minLength: 16, maxLength: 64 })
    fc.assert(
      fc.property(body, keyBytes, flip, (payload, key, { index, mask }) => {
        const whsec = `whsec_${Buffer.from(key).toString("base64")}`
        const signature = new StandardWebhook(whsec).sign("msg_prop", new Date(T0 * 1000), payload)
        const bytes = new TextEncoder().encode(payload)
        const config = { type: "standard_webhooks", secret: whsec }
        const headers = (value: string) => ({
          "webhook-id": "msg_prop",
          "webhook-timestamp": String(T0),
          "webhook-signature": value
        })
        const raw = Buffer.from(signature.slice(3), "base64")
        const flipped = `v1,${Buffer.from(flipByte(raw, index, mask)).toString("base64")}`
        return (
          verifies(config, bytes, headers(signature)) &&
          !verifies(config, flipByte(bytes, index, mask), headers(signature)) &&
          !verifies(config, bytes, headers(flipped))
        )
      }),
      { numRuns: 150 }
    )
  })
})
