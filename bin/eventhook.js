#!/usr/bin/env node
// `npx eventhook …`: runs the CLI on a Node that strips TypeScript types (≥ 22.19). On an older system Node,
// it runs on the Node 24 the repository pins as a devDependency.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const cli = fileURLToPath(new URL("../src/cli/main.node.ts", import.meta.url))
const [major, minor] = process.versions.node.split(".").map(Number)
const modern = major > 22 || (major === 22 && minor >= 19)

if (modern) {
  await import(cli)
} else {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url))
  if (!existsSync(pinned)) {
    console.error(`eventhook needs Node ≥ 22.19 (this is ${process.versions.node}); run \`npm ci\` first`)
    process.exit(1)
  }
  const result = spawnSync(pinned, [cli, ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(result.status ?? 1)
}
