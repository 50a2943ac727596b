import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The dashboard's browser tests need Chromium: `npm run test:ui` (vitest.ui.config.ts), which CI runs too.
    exclude: ["test/deno/**", "test/ui/**"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000
  }
})
