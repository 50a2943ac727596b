import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { Statement } from "effect/sql"

// Tests that hold a statement's plan (the sweep's, the payload search's): PostgreSQL's EXPLAIN, as JSON.

export interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Actual Rows": number
  readonly "Actual Loops": number
  readonly "Rows Removed by Filter"?: number
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** The node and every node under it. */
export const nodesOf = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

/** The plan of `statement` (`EXPLAIN (FORMAT JSON)`; run too, with ANALYZE, when `analyze`). */
export const planOf = (sql: PgClient.PgClient, statement: Statement.Statement<unknown>, analyze: boolean) =>
  Effect.gen(function* () {
    const [text, params] = statement.compile()
    const [row] = yield* sql.unsafe<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (${analyze ? "ANALYZE, " : ""}FORMAT JSON) ${text}`,
      params
    )
    const explained = row!["QUERY PLAN"]
    const [{ Plan }] = (typeof explained === "string" ? JSON.parse(explained) : explained) as [{ Plan: PlanNode }]
    return Plan
  })
