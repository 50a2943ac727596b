// `npm run build` (run by `npm start` first): the service as plain JavaScript in dist/, so that the running
// service does not load Node's TypeScript stripper (~30 MB of resident memory; issue 7). Types are only erased
// (tsconfig's `erasableSyntaxOnly` guarantees that is all it takes) and relative `.ts` specifiers become `.js`.
// Tests, the CLI and Deno run the TypeScript sources as they are.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { stripTypeScriptTypes } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const out = join(root, "dist")
const SOURCES = ["src", "migrations"]

// `from "./x.ts"`, `import "./x.ts"`, `import("./x.ts")`: relative specifiers only.
const RELATIVE_TS_SPECIFIER = /((?:\bfrom|\bimport)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

rmSync(out, { recursive: true, force: true })
let count = 0
for (const source of SOURCES.flatMap((dir) => filesUnder(join(root, dir)))) {
  const javascript = stripTypeScriptTypes(readFileSync(source, "utf8"), { mode: "strip" }).replace(
    RELATIVE_TS_SPECIFIER,
    "$1$2.js$3"
  )
  const leftOver = /(?:\bfrom|\bimport)\s*\(?\s*["']\.{1,2}\/[^"']+\.ts["']/.exec(javascript)
  if (leftOver !== null) throw new Error(`${relative(root, source)}: a .ts import was not rewritten: ${leftOver[0]}`)
  const target = join(out, relative(root, source)).replace(/\.ts$/, ".js")
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, javascript)
  count++
}
console.log(`built ${count} files into dist/`)
