import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts', 'addin/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The add-in tests open the built task pane, and the tests that start the server as a process
    // run the bundle `npm start` runs: both are built once first. PostgreSQL is TEST_DATABASE_URL
    // or an embedded server started for the run (test/support/postgres.ts).
    globalSetup: ['test/addin/global-setup.ts', 'test/support/server-bundle.ts', 'test/support/postgres-setup.ts'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
