import { parseJsonKeepingLargeIntegers } from "../../src/domain/exactIntegers.ts"
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionInput,
  isProblem
} from "../../src/routing/routeExpression.ts"
import { round } from "./statistics.ts"
import { payloadOf } from "./webhook.ts"

// Route expressions (issue 21) measured in process: what a filter and a transform cost per event on the bench's
// webhook, and how long the worst expressions the limits let through keep a worker busy.

export const BENCH_FILTER =
  'body.action == "opened" && body.issue.labels.exists(l, l == "bug") && body.repository.full_name.startsWith("octocat/")'
export const BENCH_TRANSFORM =
  '{"number": body.issue.number, "title": body.issue.title, "repo": body.repository.full_name, "labels": body.issue.labels}'

const compiled = <A>(expression: CompiledExpression<A> | ReturnType<typeof compileExpression>) => {
  if (isProblem(expression)) throw new Error(`${expression.field}: ${expression.message}`)
  return expression as CompiledExpression<A>
}

const inputOf = (body: unknown): ExpressionInput => ({
  body,
  headers: { "x-github-event": "issues" },
  event_type: "issues",
  source: "github",
  received_at: new Date()
})

/** Median microseconds per evaluation over five batches, after a warm-up. */
const microsecondsPer = (evaluate: () => unknown, batch: number) => {
  for (let i = 0; i < batch; i++) evaluate()
  const batches: Array<number> = []
  for (let b = 0; b < 5; b++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) evaluate()
    batches.push(Number(process.hrtime.bigint() - started) / batch / 1000)
  }
  return round(batches.sort((a, b) => a - b)[2]!, 3)
}

const millisecondsOf = (evaluate: () => { ok: boolean; reason?: string }) => {
  const started = process.hrtime.bigint()
  const result = evaluate()
  return {
    ms: round(Number(process.hrtime.bigint() - started) / 1e6, 1),
    result: result.ok ? "ok" : result.reason
  }
}

export const expressionCosts = () => {
  const input = inputOf(parseJsonKeepingLargeIntegers(payloadOf(Date.now()).toString("utf8")))
  const filter = compiled<boolean>(compileExpression("filter", BENCH_FILTER))
  const transform = compiled<unknown>(compileExpression("transform", BENCH_TRANSFORM))
  if (filter.evaluate(input).ok !== true) throw new Error("the bench filter does not evaluate")

  // The worst the limits allow, on a 1 MiB payload (the default body limit): a list of 100,000 small objects
  // and a 900 KB string of "a"s.
  const big = parseJsonKeepingLargeIntegers(
    JSON.stringify({
      items: Array.from({ length: 100_000 }, (_, n) => ({ n })),
      text: `${"a".repeat(900_000)}!`
    })
  )
  const hostile = inputOf(big)
  const literal = `[${Array.from({ length: 100 }, (_, n) => n).join(",")}]`
  const worst = {
    quadratic_payload_reads: millisecondsOf(() =>
      compiled<boolean>(
        compileExpression("filter", "body.items.all(a, body.items.all(b, a.n <= b.n + 100000))")
      ).evaluate(hostile)
    ),
    long_string_scans: millisecondsOf(() =>
      compiled<boolean>(compileExpression("filter", 'body.items.exists(i, body.text.contains("b"))')).evaluate(hostile)
    ),
    catastrophic_regex: millisecondsOf(() =>
      compiled<boolean>(compileExpression("filter", 'body.text.matches("^(a+)+$")')).evaluate(hostile)
    ),
    nested_literal_comprehensions: millisecondsOf(() =>
      compiled<boolean>(
        compileExpression(
          "filter",
          `(${literal} + ${literal}).all(a, (${literal} + ${literal}).all(b, string(a + b).size() > 0))`
        )
      ).evaluate(hostile)
    )
  }
  return {
    filter: BENCH_FILTER,
    transform: BENCH_TRANSFORM,
    filter_us_per_event: microsecondsPer(() => filter.evaluate(input), 100_000),
    transform_us_per_event: microsecondsPer(() => transform.evaluate(input), 100_000),
    worst_case_ms: worst
  }
}
