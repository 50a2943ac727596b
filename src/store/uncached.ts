import { PgClient } from "@effect/sql-pg"
import { Effect, Option } from "effect"
import type { SqlError, Statement } from "effect/sql"

// A client's statement compiler keeps every statement it compiles, with its parameters, in a WeakMap it holds for
// the client's life (issue 22). V8's scavenger does not drop a WeakMap's entry when its key dies young: it keeps the
// value. So each batch's parameters — its bodies, headers and ids — outlived the batch, were copied by young
// collections and promoted, and only full collections freed them (README "Nothing kept past its request"). A
// statement run per batch is compiled here by a compiler of its own, which dies with it, and sent on a connection
// of the pool. Inside a transaction it runs as before, on the transaction's.

const compileAlone = (statement: Statement.Fragment) => PgClient.makeCompiler().compile(statement, false)

/** Runs `statement` as the client would, without leaving it in the client's compiler cache. */
export const runUncached = <A extends object>(
  sql: PgClient.PgClient,
  statement: Statement.Statement<A>,
  mode: "prepared" | "unprepared" = "prepared"
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError> =>
  Effect.flatMap(Effect.serviceOption(sql.transactionService), (transaction) => {
    if (Option.isSome(transaction)) return mode === "prepared" ? statement : statement.unprepared
    const [text, params] = compileAlone(statement)
    return Effect.scoped(
      Effect.flatMap(sql.reserve, (connection) =>
        mode === "prepared"
          ? connection.execute(text, params, undefined)
          : connection.executeUnprepared(text, params, undefined)
      )
    )
  })
