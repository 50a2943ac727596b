// `npm run compare`: Eventhook configurations against each other and against the hand-written peer, alternated in
// one run (issue 22). README's "alternated" figures were measured this way. The bench's saturation rounds give one
// ratio per concurrency for the build as it is. This tells whether a setting or a change to the database moves it:
// on a shared 2-core machine identical instances differ by up to 10 % a round, so only many alternated rounds show
// a few percent.
//
//   COMPARE_VARIANTS='{"default":{},"pool":{"env":{"EVENTHOOK_INGEST_PIPELINE":"0"}}}' npm run compare
//
// Each variant is one instance started as `npm start` starts it, with its `env` on top of the bench's (`{url}` in a
// value is the database's URL, for a variant that connects differently). A variant's `sql` statements run before
// each of its runs and `COMPARE_RESET_SQL` before every run, so a variant can switch something in the database
// (a trigger, a storage parameter) for its own runs only. Every instance and the peer get one unmeasured run first
// (a fresh service's first run acks ~20 % less); then each round measures the peer, then the variants in an order
// that rotates. The instances not being measured are paused (SIGSTOP), so their sweepers take nothing meanwhile.
// Every run's ledger must balance.
import type { ChildProcess } from "node:child_process"
import { Effect, Schema } from "effect"
import {
  createRunSource,
  ledgerOf,
  peerLedgerOf,
  prepareDatabase,
  resetPeer,
  settle,
  withSql
} from "./bench/database.ts"
import { latenciesOf, rateOf, saturate } from "./bench/load.ts"
import { build, eventsPerStatement, startEventhook, startPeer, stop } from "./bench/processes.ts"
import { positiveIntegerFrom } from "./bench/settings.ts"
import { round, spread } from "./bench/statistics.ts"
import { payloadOf } from "./bench/webhook.ts"

const Variants = Schema.fromJsonString(
  Schema.Record(
    Schema.String,
    Schema.Struct({
      env: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
      sql: Schema.optionalKey(Schema.Array(Schema.String))
    })
  )
)
const Statements = Schema.fromJsonString(Schema.Array(Schema.String))

const VARIANTS = Schema.decodeUnknownSync(Variants)(process.env.COMPARE_VARIANTS ?? '{"default":{}}')
const RESET_SQL = Schema.decodeUnknownSync(Statements)(process.env.COMPARE_RESET_SQL ?? "[]")
const CONCURRENCY = positiveIntegerFrom("COMPARE_CONCURRENCY", 16)
const ROUNDS = positiveIntegerFrom("COMPARE_ROUNDS", 8)

const statements = async (url: string, texts: ReadonlyArray<string>) => {
  if (texts.length > 0) await withSql(url, 1, (sql) => Effect.forEach(texts, (text) => sql.unsafe(text)))
}

/** Runs `measure` with `child` going (SIGCONT), and pauses it again after. */
const whileRunning = async <A>(child: ChildProcess, measure: () => Promise<A>) => {
  child.kill("SIGCONT")
  try {
    return await measure()
  } finally {
    child.kill("SIGSTOP")
  }
}

const main = async () => {
  build()
  const database = await prepareDatabase()
  const names = Object.keys(VARIANTS)
  const instances = new Map<string, Awaited<ReturnType<typeof startEventhook>>>()
  let peer: Awaited<ReturnType<typeof startPeer>> | undefined
  try {
    for (const name of names) {
      const env = Object.entries(VARIANTS[name]!.env ?? {}).map(([key, value]) => [
        key,
        value.replaceAll("{url}", database.url)
      ])
      const instance = await startEventhook(database.url, Object.fromEntries(env))
      instance.child.kill("SIGSTOP")
      instances.set(name, instance)
    }
    peer = await startPeer(database.url)
    peer.child.kill("SIGSTOP")
    let runs = 0
    const measureVariant = async (name: string) => {
      const instance = instances.get(name)!
      await statements(database.url, [...RESET_SQL, ...(VARIANTS[name]!.sql ?? [])])
      const run = await createRunSource(database.url, `compare-${++runs}`)
      await settle(database.url)
      const { result, eventsPerStatement: perStatement } = await whileRunning(instance.child, () =>
        eventsPerStatement(instance.port, () =>
          saturate(instance.port, run.path, CONCURRENCY, () => payloadOf(Date.now()), "distinct", instance.child.pid!)
        )
      )
      // The ledger waits for every event to be processed: the instance must be going meanwhile.
      const ledger = await whileRunning(instance.child, () => ledgerOf(database.url, run, result))
      if (!ledger.balanced) throw new Error(`${name}: the ledger does not balance: ${JSON.stringify(ledger)}`)
      return { result, perStatement }
    }
    const measurePeer = async (running: NonNullable<typeof peer>) => {
      await statements(database.url, RESET_SQL)
      await resetPeer(database.url)
      await settle(database.url)
      const result = await whileRunning(running.child, () =>
        saturate(running.port, "/", CONCURRENCY, () => payloadOf(Date.now()), "distinct", running.child.pid!)
      )
      const ledger = await peerLedgerOf(database.url, result)
      if (!ledger.balanced) throw new Error(`the peer's ledger does not balance: ${JSON.stringify(ledger)}`)
      return result
    }

    for (const name of names) await measureVariant(name)
    await measurePeer(peer)
    console.log(
      `c=${CONCURRENCY}, ${ROUNDS} rounds after one unmeasured run each: ratios to the peer, acked/s, CPU ms per ` +
        "request (service + PostgreSQL), events per statement, p99 ms"
    )
    const ratios = new Map(names.map((name) => [name, [] as Array<number>]))
    for (let index = 1; index <= ROUNDS; index++) {
      const byHand = await measurePeer(peer)
      const peerRate = rateOf(byHand)
      const line = [
        `round ${index}: peer ${Math.round(peerRate)}/s (${byHand.cpu.service_ms} + ${byHand.cpu.postgres_ms})`
      ]
      for (const name of names.map((_, offset) => names[(offset + index) % names.length]!)) {
        const { result, perStatement } = await measureVariant(name)
        const rate = rateOf(result)
        const ratio = rate / peerRate
        ratios.get(name)!.push(ratio)
        const p99 = latenciesOf(result).p99_ms
        line.push(
          `${name} ${ratio.toFixed(3)}× ${Math.round(rate)}/s ` +
            `(${result.cpu.service_ms} + ${result.cpu.postgres_ms}) ${perStatement === null ? "–" : round(perStatement, 1)} ` +
            `p99 ${p99}`
        )
      }
      console.log(line.join(" | "))
    }
    const [first] = names
    for (const name of names) {
      const own = ratios.get(name)!
      const ahead =
        name === first
          ? ""
          : `; ahead of ${first} in ${own.filter((ratio, i) => ratio > ratios.get(first!)![i]!).length} of ${ROUNDS}`
      console.log(
        `${name}: median ${spread(own).median.toFixed(3)}× the peer (${own.map((r) => r.toFixed(2)).join(" ")})${ahead}`
      )
    }
  } finally {
    for (const child of [...[...instances.values()].map((instance) => instance.child), peer?.child]) {
      if (child === undefined) continue
      child.kill("SIGCONT")
      await stop(child)
    }
    await database.drop()
  }
}

await main()
