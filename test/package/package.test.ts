// Issue 18: the package as a host meets it. `npm pack`; the tarball installed into a scratch project outside the
// repository; a host program there (test/package/host/host.ts, the README's example) type-checked by `tsc` against
// the published .d.ts and run on Node and under Deno; and the installed CLI serving.

import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll, inject } from "vitest"

const repo = process.cwd()
const scratch = mkdtempSync(join(tmpdir(), "eventhook-host-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The version the repository's lock file installed, so the host gets the same (from npm's cache). */
const lockedVersion = (name: string) =>
  (JSON.parse(readFileSync(join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

beforeAll(() => {
  execFileSync("npm", ["pack", "--pack-destination", scratch, "--silent"], { cwd: repo, stdio: "pipe" })
  const tarball = readdirSync(scratch).find((file) => file.endsWith(".tgz"))!
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({
      name: "a-host",
      private: true,
      type: "module",
      dependencies: {
        eventhook: `file:./${tarball}`,
        effect: lockedVersion("effect"),
        "@effect/platform-node": lockedVersion("@effect/platform-node"),
        "@effect/sql-pg": lockedVersion("@effect/sql-pg"),
        "@octokit/webhooks-methods": lockedVersion("@octokit/webhooks-methods")
      },
      devDependencies: { typescript: lockedVersion("typescript"), "@types/node": lockedVersion("@types/node") }
    })
  )
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        types: ["node"]
      },
      include: ["host.ts"]
    })
  )
  copyFileSync(join(repo, "test/package/host/host.ts"), join(scratch, "host.ts"))
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: scratch, stdio: "pipe" })
}, 240_000)

const run = (command: string, args: ReadonlyArray<string>) => {
  try {
    return execFileSync(command, args, {
      cwd: scratch,
      env: { ...process.env, DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "warn" },
      stdio: "pipe"
    }).toString()
  } catch (error) {
    const failed = error as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`${command} ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`)
  }
}

const expectedRun = (output: string) => {
  const result = JSON.parse(output.trim().split("\n").at(-1)!) as {
    answers: Array<number>
    launches: Array<{ kind: string; input: unknown }>
  }
  assert.deepStrictEqual(result.answers, [200, 200])
  assert.deepStrictEqual(result.launches, [{ kind: "on-github", input: { action: "opened", issue: { number: 1347 } } }])
}

describe("the npm package, installed into a host project", () => {
  it("has one copy of Effect, and tsc type-checks the host against the published .d.ts", () => {
    const effects = execFileSync("find", ["node_modules", "-name", "package.json", "-path", "*/effect/package.json"], {
      cwd: scratch
    })
      .toString()
      .trim()
      .split("\n")
      .filter((path) => /(^|\/)node_modules\/effect\/package\.json$/.test(path))
    assert.deepStrictEqual(effects, ["node_modules/effect/package.json"])
    run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."])
  }, 120_000)

  it("runs on Node: the host's launcher is called once, the duplicate is not launched again", () => {
    expectedRun(run(process.execPath, ["host.ts"]))
  }, 120_000)

  it("runs under Deno", () => {
    expectedRun(run(join(repo, "node_modules/.bin/deno"), ["run", "--allow-all", "host.ts"]))
  }, 120_000)

  it("its CLI serves: `eventhook serve` answers /health and the built dashboard, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["node_modules/.bin/eventhook", "serve"], {
      cwd: scratch,
      env: {
        ...process.env,
        DATABASE_URL: inject("databaseUrl"),
        HOST: "127.0.0.1",
        PORT: "0",
        EVENTHOOK_MIGRATE: "false",
        EVENTHOOK_ADMIN_TOKEN: "package-admin-token"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const port = await new Promise<number>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString()
        const found = /eventhook listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]
        if (found !== undefined) resolve(Number(found))
      }
      child.stdout.on("data", collect)
      child.stderr.on("data", collect)
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)))
    })
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    assert.strictEqual(health.status, 200)
    // The tarball carries the dashboard built (dist/ui): the package's server finds and serves it.
    const page = await fetch(`http://127.0.0.1:${port}/ui/`)
    assert.strictEqual(page.status, 200)
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1]
    assert.isDefined(script)
    assert.strictEqual((await fetch(`http://127.0.0.1:${port}${script}`)).status, 200)
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    child.kill("SIGTERM")
    assert.strictEqual(await exited, 0)
  }, 60_000)
})
