import { defineConfig } from "vitest/config";

// Real databases answer slowly under load, and pg/e2e files share one cluster
// (and one local stack), so their files run one at a time.
const sharedServer = { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      // Each db file opens its own PGlite (seconds of initdb); two workers match the two cores.
      { extends: true, test: { name: "db", include: ["tests/db/**/*.test.ts"], maxWorkers: 2, testTimeout: 30_000, hookTimeout: 60_000 } },
      { extends: true, test: { name: "pg", include: ["tests/pg/**/*.test.ts"], ...sharedServer } },
      { extends: true, test: { name: "e2e", include: ["tests/e2e/**/*.test.ts"], ...sharedServer } },
      // A headless Chromium and a stack beside it: one file at a time, generous waits.
      { extends: true, test: { name: "browser", include: ["tests/browser/**/*.test.ts"], ...sharedServer, testTimeout: 90_000, hookTimeout: 120_000 } },
    ],
  },
});
