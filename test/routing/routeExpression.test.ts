import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { parseJsonKeepingLargeIntegers, stringifyKeepingLargeIntegers } from "../../src/domain/exactIntegers.ts"
import {
  type CompiledExpression,
  compileExpression,
  type Evaluation,
  EXPRESSION_LIMITS,
  type ExpressionInput,
  type ExpressionProblem,
  isProblem
} from "../../src/routing/routeExpression.ts"

// Issue 21: route filters and transforms, as CEL, on real provider payloads (GitHub, Stripe, Shopify samples
// from their documentation) read as ingest reads them (large integers kept exact).

const payload = (name: string) =>
  parseJsonKeepingLargeIntegers(readFileSync(new URL(`payloads/${name}.json`, import.meta.url), "utf8"))

const github: ExpressionInput = {
  body: payload("github-pull_request"),
  headers: { "x-github-event": "pull_request", "content-type": "application/json" },
  event_type: "pull_request",
  source: "github",
  received_at: new Date("2026-12-05T10:00:00Z")
}
const stripe: ExpressionInput = {
  body: payload("stripe-invoice.payment_failed"),
  headers: { "stripe-signature": "t=1,v1=…", "content-type": "application/json" },
  event_type: "invoice.payment_failed",
  source: "stripe",
  received_at: new Date("2026-12-05T23:30:00Z")
}
const shopify: ExpressionInput = {
  body: payload("shopify-orders.create"),
  headers: { "x-shopify-topic": "orders/create", "x-shopify-shop-domain": "shop.myshopify.com" },
  event_type: "orders/create",
  source: "shopify",
  received_at: new Date("2026-12-05T10:00:00Z")
}

const compiled = <A>(expression: CompiledExpression<A> | ExpressionProblem): CompiledExpression<A> => {
  if (isProblem(expression)) throw new Error(`unexpected problem: ${expression.message}`)
  return expression
}
// The steps an evaluation took are left out: what is asserted is its result.
const withoutSteps = <A>(evaluation: Evaluation<A>) =>
  evaluation.ok ? { ok: true, value: evaluation.value } : { ok: false, reason: evaluation.reason }
const filter = (text: string, input: ExpressionInput) =>
  withoutSteps(compiled(compileExpression("filter", text)).evaluate(input))
const transform = (text: string, input: ExpressionInput) =>
  withoutSteps(compiled(compileExpression("transform", text)).evaluate(input))

describe("route filters on provider payloads", () => {
  const table: ReadonlyArray<readonly [string, ExpressionInput, boolean]> = [
    // nested fields
    ['body.pull_request.base.ref == "main" && !body.pull_request.draft', github, true],
    ['body.repository.full_name.startsWith("octocat/")', github, true],
    ["body.pull_request.additions > 100 && body.pull_request.changed_files < 10", github, true],
    ['body.data.object.metadata.plan == "enterprise"', stripe, true],
    ["body.data.object.amount_due >= 100000", stripe, true],
    ["body.data.object.amount_due / 100 == 2500", stripe, true],
    ['body.shipping_address.country_code in ["CA", "US"]', shopify, true],
    ['body.tags.contains("vip")', shopify, true],
    ["double(body.current_total_price) > 500.0", shopify, true],
    // arrays: exists, all, exists_one, size, filter
    ['body.pull_request.labels.exists(l, l.name == "urgent")', github, true],
    ['body.pull_request.labels.all(l, l.name != "wontfix")', github, true],
    ["body.pull_request.labels.exists_one(l, l.default)", github, true],
    ['"api" in body.repository.topics', github, true],
    [
      'body.data.object.lines.data.exists(line, line.price.recurring != null && line.price.recurring.interval == "month")',
      stripe,
      true
    ],
    ["body.data.object.lines.data.all(line, line.amount > 100000)", stripe, false],
    ["size(body.line_items.filter(item, item.gift_card)) == 1", shopify, true],
    ["body.line_items.map(item, item.quantity).exists(q, q > 1)", shopify, true],
    // headers, event type, source, received_at
    ['headers["x-shopify-shop-domain"].endsWith(".myshopify.com")', shopify, true],
    ['event_type.startsWith("invoice.") && source == "stripe"', stripe, true],
    ["received_at.getHours() >= 22", stripe, true],
    // presence: has() and optional chaining
    ["has(body.pull_request.merged_at)", github, false],
    ['body.?pull_request.?merged_by.?login.orValue("nobody") == "nobody"', github, true],
    ['has(body.request.idempotency_key) && body.request.idempotency_key != ""', stripe, true],
    // regular expressions
    ['body.pull_request.head.sha.matches("^[0-9a-f]{40}$")', github, true]
  ]
  for (const [text, input, expected] of table)
    it(`${input.source}: ${text} is ${expected}`, () => {
      const result = filter(text, input)
      assert.deepStrictEqual(result.ok ? result.value : result.reason, expected)
    })
})

describe("large integers stay exact inside expressions", () => {
  it("an id above 2^53 compares by its exact digits, not its rounded double", () => {
    // 820982911946154508 read as a double is 820982911946154496.
    assert.deepStrictEqual(filter("body.id == 820982911946154508", shopify), { ok: true, value: true })
    assert.isFalse((filter("body.id == 820982911946154496", shopify) as { value: boolean }).value)
    assert.isTrue(
      (filter("body.line_items.exists(i, i.id == 141249953214522974)", shopify) as { value: boolean }).value
    )
  })

  it("a transform keeps them exact in the target's input", () => {
    const result = transform(
      '{"order": body.id, "customer": body.customer.id, "items": body.line_items.map(i, i.id), "first": body.line_items[0]}',
      shopify
    )
    assert.isTrue(result.ok)
    const text = stringifyKeepingLargeIntegers((result as { value: unknown }).value)!
    assert.include(text, '"order":820982911946154508')
    assert.include(text, '"customer":115310627314723954')
    assert.include(text, '"items":[866550311766439020,141249953214522974]')
    // A payload object passed through whole is the original, with its exact digits.
    assert.include(text, '"first":{"id":866550311766439020,')
  })
})

describe("transforms", () => {
  it("build the target's input from the payload", () => {
    const result = transform(
      '{"customer": body.data.object.customer, "amount": body.data.object.amount_due, "currency": body.data.object.currency.upperAscii(), "attempt": body.data.object.attempt_count, "event": event_type, "at": received_at}',
      stripe
    )
    assert.deepStrictEqual(result, {
      ok: true,
      value: {
        customer: "cus_NffrFeUfNV2Hib",
        amount: 250000,
        currency: "EUR",
        attempt: 2,
        event: "invoice.payment_failed",
        at: "2026-12-05T23:30:00.000Z"
      }
    })
  })

  it("must give a map", () => {
    assert.deepStrictEqual(transform("body.number", github), { ok: false, reason: "gave int, not a map" })
    const problem = compileExpression("transform", '"text"')
    assert.isTrue(isProblem(problem))
    assert.strictEqual((problem as ExpressionProblem).message, "gives string; a transform must give a map")
  })
})

describe("evaluation errors are no match, with the reason", () => {
  it("a missing field", () => {
    assert.deepStrictEqual(filter("body.pull_request.merged_by.login == 'x'", github), {
      ok: false,
      reason: "No such key: merged_by"
    })
  })
  it("a wrong type", () => {
    const result = filter("body.data.object.currency > 3", stripe)
    assert.isFalse(result.ok)
    assert.match((result as { reason: string }).reason, /no such overload/)
  })
  it("a filter that does not give a bool", () => {
    assert.deepStrictEqual(filter("body.number", github), { ok: false, reason: "gave int, not a bool" })
  })
})

describe("validation names the field and the position", () => {
  const problemOf = (field: "filter" | "transform", text: string) => {
    const result = compileExpression(field as "filter", text)
    assert.isTrue(isProblem(result), `${text} should be refused`)
    return result as ExpressionProblem
  }
  it("a syntax error", () => {
    assert.deepInclude(problemOf("filter", 'body.action == "opened" &&'), {
      field: "filter",
      line: 1,
      column: 27,
      message: "Unexpected token: EOF"
    })
  })
  it("on a later line", () => {
    assert.deepInclude(problemOf("filter", 'body.action == "opened"\n  && body.x ==== 1'), { line: 2, column: 15 })
  })
  it("a type error", () => {
    assert.deepInclude(problemOf("filter", 'event_type + 1 == "x"'), { field: "filter", line: 1, column: 1 })
  })
  it("an unknown variable", () => {
    assert.match(problemOf("transform", "{'a': payload.x}").message, /payload/)
  })
  it("a filter that cannot give a bool", () => {
    assert.strictEqual(problemOf("filter", "event_type").message, "gives string; a filter must give a bool")
  })
})

describe("hostile expressions cannot stall a worker", () => {
  const bigBody = {
    items: Array.from({ length: 20_000 }, (_, index) => ({ n: index, text: "x".repeat(20) })),
    text: "a".repeat(200_000)
  }
  const hostile: ExpressionInput = { ...github, body: bigBody }

  it("quadratic reads of the payload run out of budget", () => {
    const result = filter("body.items.all(a, body.items.all(b, a.n >= 0))", hostile)
    assert.deepStrictEqual(result, {
      ok: false,
      reason: `the expression read more of the payload than its budget allows (${EXPRESSION_LIMITS.maxSteps} steps)`
    })
  })

  it("long strings cost in proportion to their length", () => {
    const result = filter('body.items.exists(i, body.text.contains("b"))', hostile)
    assert.isFalse(result.ok)
    assert.match((result as { reason: string }).reason, /budget/)
  })

  it("a single pass over a large payload is within budget", () => {
    assert.isTrue((filter("body.items.exists(i, i.n == 19999)", hostile) as { value: boolean }).value)
  })

  it("a catastrophic regular expression ends", () => {
    const result = filter(
      'body.text.matches("(a+)+$") || "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("^(a|a)*$")',
      hostile
    )
    assert.isTrue(result.ok)
  })

  it("refuses what would grow without bound, nest too deep, or is too long", () => {
    const refused: ReadonlyArray<readonly [string, RegExp]> = [
      ['cel.bind(s, body.text, cel.bind(t, s + s, t + t)) != ""', /cel\.bind is not allowed/],
      ['body.text.split("").size() > 1', /split is not allowed/],
      ['body.items.map(i, i.text).join("") != ""', /join is not allowed/],
      ["[1, 2].all(a, [1, 2].all(b, [1, 2].all(c, a + b + c > 0)))", /nest at most 2 deep/],
      [`body.items.size() > 0 ${"&& true ".repeat(300)}`, /longer than 2048 characters/],
      [`${"[".repeat(40)}1${"]".repeat(40)} != []`, /depth|nest/i],
      [`[${Array.from({ length: 101 }, (_, index) => index).join(",")}].size() > 0`, /list|elements/i]
    ]
    for (const [text, reason] of refused) {
      const result = compileExpression("filter", text)
      assert.isTrue(isProblem(result), `${text.slice(0, 60)} should be refused`)
      assert.match((result as ExpressionProblem).message, reason)
    }
  })
})
