// `npm start`: the service bundled by `npm run build` (dist/main.node.js) when it is there, else the TypeScript
// sources as they are (a production install, `npm ci --omit=dev`, has no bundler). Plain JavaScript, so that an
// old Node gets a clear message instead of a syntax error.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const [major, minor] = process.versions.node.split(".").map(Number)
if (!(major > 22 || (major === 22 && minor >= 19))) {
  console.error(
    `eventhook needs Node ≥ 22.19 (this is ${process.versions.node}): install a current Node (https://nodejs.org), ` +
      "or run `npm ci` (with devDependencies), which brings the Node 24 the repository pins"
  )
  process.exit(1)
}
// glibc gives each thread that allocates a malloc arena of its own (up to eight per core), and V8's and libuv's worker
// threads allocate: under load that kept 11–17 MB more of the service resident (issue 22). glibc reads
// MALLOC_ARENA_MAX once, as a process starts, so on Linux the service starts itself again with one arena, in place:
// `process.execve` keeps the pid, the Node flags, the arguments and the standard streams. A value already set is kept;
// where execve is refused, the service runs with glibc's default. One rather than two: ~2 MB less at the bench's
// peak (three fresh instances each), and c=16's rate and CPU per request unchanged (eight alternated rounds).
if (
  process.platform === "linux" &&
  process.env.MALLOC_ARENA_MAX === undefined &&
  typeof process.execve === "function"
) {
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
      ...process.env,
      MALLOC_ARENA_MAX: "1"
    })
  } catch {}
}

const bundle = fileURLToPath(new URL("../dist/main.node.js", import.meta.url))
await import(existsSync(bundle) ? bundle : fileURLToPath(new URL("../src/main.node.ts", import.meta.url)))
