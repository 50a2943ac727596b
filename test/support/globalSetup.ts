// One PostgreSQL for the whole run: `DATABASE_URL` when set, else an embedded cluster in a temporary
// directory. Either way the run gets a database of its own, created here and dropped at the end, so runs never
// see each other's rows. Test files connect to it; none starts a server of its own.

import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Redacted, Scope } from "effect"
import type { TestProject } from "vitest/node"
import { runMigrations } from "../../src/store/Database.ts"
import { embeddedPostgres } from "../../src/store/EmbeddedPostgres.ts"

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

export default async function setup(project: TestProject) {
  const scope = Scope.makeUnsafe()
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  const temporaryDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), "eventhook-test-"))
  const serverUrl =
    process.env.DATABASE_URL ??
    Redacted.value((await Effect.runPromise(Scope.provide(embeddedPostgres(temporaryDir!), scope))).url)
  const database = `eventhook_test_${randomBytes(6).toString("hex")}`
  const admin = (statement: string) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        yield* sql.unsafe(statement)
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 })), Effect.scoped)
    )
  await admin(`CREATE DATABASE ${database}`)
  const url = withDatabase(serverUrl, database)
  await Effect.runPromise(
    runMigrations.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )
  project.provide("databaseUrl", url)

  return async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await close()
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true })
  }
}
