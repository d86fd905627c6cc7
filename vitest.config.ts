import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites spawn servers on free ports; a few files at a time keeps the 2-core machine sane.
    maxWorkers: 2,
    minWorkers: 1
  }
})
