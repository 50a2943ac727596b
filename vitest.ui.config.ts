import { defineConfig } from "vitest/config"

// `npm run test:ui`: the dashboard in Debian's Chromium (apt-get install chromium; CHROMIUM_PATH to use another),
// against a real service and PostgreSQL like the rest of the suite.
export default defineConfig({
  test: {
    include: ["test/ui/**/*.test.ts"],
    globalSetup: ["test/support/buildUi.ts", "test/support/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
})
