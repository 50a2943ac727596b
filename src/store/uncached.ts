import { PgClient, PgPool } from "@effect/sql-pg"
import { Effect, Option, type Scope } from "effect"
import type { SqlError, Statement } from "effect/sql"

// A client's statement compiler keeps every statement it compiles, with its parameters, in a WeakMap it holds for
// the client's life (issue 22). V8's scavenger does not drop a WeakMap's entry when its key dies young: it keeps the
// value. So each batch's parameters — its bodies, headers and ids — outlived the batch, were copied by young
// collections and promoted, and only full collections freed them (README "Nothing kept past its request"). A
// statement run per batch is compiled here by a compiler of its own, which dies with it, and sent on a connection
// of the pool. Inside a transaction it runs as before, on the transaction's.

const compileAlone = (statement: Statement.Fragment) => PgClient.makeCompiler().compile(statement, false)

type Rows<A> = Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>

/** `inTransaction` inside one; otherwise `statement` compiled alone and handed to `send`. */
const compiledOutsideTransaction = <A extends object>(
  sql: PgClient.PgClient,
  statement: Statement.Statement<A>,
  inTransaction: Rows<A>,
  send: (text: string, params: ReadonlyArray<unknown>) => Rows<A>
): Rows<A> =>
  Effect.flatMap(Effect.serviceOption(sql.transactionService), (transaction) => {
    if (Option.isSome(transaction)) return inTransaction
    const [text, params] = compileAlone(statement)
    return send(text, params)
  })

/** Runs `statement` as the client would, without leaving it in the client's compiler cache. */
export const runUncached = <A extends object>(
  sql: PgClient.PgClient,
  statement: Statement.Statement<A>,
  mode: "prepared" | "unprepared" = "prepared"
): Rows<A> =>
  compiledOutsideTransaction(sql, statement, mode === "prepared" ? statement : statement.unprepared, (text, params) =>
    Effect.scoped(
      Effect.flatMap(sql.reserve, (connection) =>
        mode === "prepared"
          ? connection.execute(text, params, undefined)
          : connection.executeUnprepared(text, params, undefined)
      )
    )
  )

/** How a writer sends its statements: `runUncached` on the client's pool, or pipelined on a connection of its own. */
export type StatementRunner = <A extends object>(statement: Statement.Statement<A>) => Rows<A>

/**
 * Statements pipelined on one connection of their own, up to `depth` of them sent before the first one's answer
 * (issue 22). Each is sent with its own Sync, so each is autocommitted and succeeds or fails alone, in order. The
 * next statement then already waits in the backend's socket when the one before it commits, where on a pool it
 * would be a round trip and a backend's wake-up away. The connection is opened on first use, with the client's
 * settings; inside a transaction a statement runs on the transaction's.
 */
export const pipelinedStatements = (
  sql: PgClient.PgClient,
  options: { readonly depth: number; readonly applicationName: string }
): Effect.Effect<StatementRunner, never, Scope.Scope> =>
  Effect.map(
    Effect.orDie(
      PgPool.make({
        ...sql.config,
        applicationName: options.applicationName,
        maxConnections: 1,
        multiplex: true,
        multiplexConcurrency: options.depth
      })
    ),
    (pool) =>
      <A extends object>(statement: Statement.Statement<A>) =>
        compiledOutsideTransaction(sql, statement, statement, (text, params) =>
          pool.use((connection) =>
            Effect.map(connection.query(text, params), (result) => result.rows as ReadonlyArray<A>)
          )
        )
  )
