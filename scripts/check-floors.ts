// `npm run check`: imports in src/ only go down the floors (README "Floors"); a climb fails with the import named.
// A floor may import from lower floors, and a folder from itself; folders on one floor do not import each other.

import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const src = fileURLToPath(new URL("../src", import.meta.url))

/** Highest first. Top-level files are named without `.ts`. */
const floors: ReadonlyArray<ReadonlyArray<string>> = [
  ["main.deno"],
  ["main.node", "cli"],
  ["server.node"],
  ["index", "testing"],
  ["Eventhook"],
  ["http"],
  ["admin"],
  ["ingest"],
  ["processing", "host"],
  ["targets", "store", "verify"],
  ["config", "metrics", "routing"],
  ["domain"]
]
const floorOf = new Map(floors.flatMap((rooms, index) => rooms.map((room) => [room, floors.length - index])))

const roomOf = (file: string): string => {
  const [first = "", ...rest] = relative(src, file).split("/")
  return rest.length === 0 ? first.replace(/\.ts$/, "") : first
}

const files = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

const IMPORT = /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g
const climbs: Array<string> = []
const unknown = new Set<string>()
for (const file of files(src)) {
  const from = roomOf(file)
  for (const [, target = ""] of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const imported = resolve(dirname(file), target)
    if (!imported.startsWith(`${src}/`)) continue // migrations, package.json: not part of the floors
    const to = roomOf(imported)
    const [fromFloor, toFloor] = [floorOf.get(from), floorOf.get(to)]
    if (fromFloor === undefined || toFloor === undefined) {
      unknown.add(fromFloor === undefined ? from : to)
      continue
    }
    if (from !== to && toFloor >= fromFloor)
      climbs.push(
        `${relative(src, file)} imports ${target} (${from} → ${to}: ${toFloor > fromFloor ? "up" : "across"})`
      )
  }
}
for (const room of unknown) climbs.push(`src/${room} is on no floor: add it to scripts/check-floors.ts and README`)
if (climbs.length > 0) {
  console.error(`imports that climb the floors (README "Floors"):\n  ${climbs.join("\n  ")}`)
  process.exit(1)
}
console.log(`floors: ${files(src).length} files, no import climbs`)
