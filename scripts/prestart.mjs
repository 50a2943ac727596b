// Run before `npm start`: bundles the service (scripts/build.ts) when the bundler is installed; a production
// install (`npm ci --omit=dev`) has none, and `npm start` then runs the TypeScript sources.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const [major, minor] = process.versions.node.split(".").map(Number)
const modern = major > 22 || (major === 22 && minor >= 19)
if (modern && existsSync(fileURLToPath(new URL("../node_modules/rolldown/package.json", import.meta.url)))) {
  const build = spawnSync(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", fileURLToPath(new URL("build.ts", import.meta.url))],
    { stdio: "inherit" }
  )
  process.exit(build.status ?? 1)
}
