import { fileURLToPath } from "node:url"
import { build } from "vite"

// `npm run test:ui`: the dashboard's files, as `npm run build` makes them, built once before any test file starts a
// server that serves them.
export default async function setup() {
  await build({ configFile: fileURLToPath(new URL("../../ui/vite.config.ts", import.meta.url)) })
}
