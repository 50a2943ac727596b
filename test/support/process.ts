import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { inject } from "vitest"

/** A port nothing listens on right now (a server opened on port 0 and closed again). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

export interface Started {
  readonly child: ChildProcess
  /** Everything it wrote so far, stdout and stderr. */
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const running = new Set<ChildProcess>()
/** Kills whatever a test left running (a failed assertion before its own stop): `afterAll(killLeftovers)`. */
export const killLeftovers = () => {
  for (const child of running) child.kill("SIGKILL")
}

/**
 * A process of the repository run as a user runs it (`node <args>`) against the run's database, resolved once its
 * output matches `ready` (at once without one).
 */
export const startProcess = (args: ReadonlyArray<string>, env: Record<string, string>, ready?: RegExp) =>
  new Promise<Started>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, DATABASE_URL: inject("databaseUrl"), EVENTHOOK_MIGRATE: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    running.add(child)
    let output = ""
    const exited = new Promise<number | null>((done) =>
      child.on("exit", (code) => {
        running.delete(child)
        done(code)
      })
    )
    const started: Started = { child, output: () => output, exited }
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (ready?.test(output)) resolve(started)
    }
    child.stdout!.on("data", collect)
    child.stderr!.on("data", collect)
    if (ready === undefined) resolve(started)
    else exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)))
  })

/** The service (`src/main.node.ts`) on 127.0.0.1:`port`, once it listens. */
export const startService = (port: number, env: Record<string, string>) =>
  startProcess(["src/main.node.ts"], { HOST: "127.0.0.1", PORT: String(port), ...env }, /eventhook listening on/)
