import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

// The dashboard (issue 20): Preact, built into dist/ui and served by the service at /ui. Asset names carry their
// content hash, so the service lets browsers keep them for a year; index.html is revalidated.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // No inline script or style anywhere: the page's Content-Security-Policy forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false
  }
})
