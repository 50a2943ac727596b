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
const bundle = fileURLToPath(new URL("../dist/main.node.js", import.meta.url))
await import(existsSync(bundle) ? bundle : fileURLToPath(new URL("../src/main.node.ts", import.meta.url)))
