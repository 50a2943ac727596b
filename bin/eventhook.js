#!/usr/bin/env node
// `npx eventhook …`. Installed as a package it runs the built JavaScript (dist/lib); in a clone of the repository,
// the TypeScript sources. Both need Node ≥ 22.19 (Effect 4); in a clone on an older Node it runs on the Node 24
// the repository pins as a devDependency, and anywhere else it says what to install.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const built = fileURLToPath(new URL("../dist/lib/src/cli/main.node.js", import.meta.url))
const cli = existsSync(built) ? built : fileURLToPath(new URL("../src/cli/main.node.ts", import.meta.url))
const [major, minor] = process.versions.node.split(".").map(Number)
const modern = major > 22 || (major === 22 && minor >= 19)

if (modern) {
  await import(cli)
} else {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url))
  if (!existsSync(pinned)) {
    console.error(
      `eventhook needs Node ≥ 22.19 (this is ${process.versions.node}): install a current Node (https://nodejs.org) and run it again`
    )
    process.exit(1)
  }
  const result = spawnSync(pinned, [cli, ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(result.status ?? 1)
}
