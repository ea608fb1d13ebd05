import { defineConfig } from 'vitest/config';

/**
 * Test files that run a second time on PostgreSQL (project "postgres"): they open their store
 * with openTestStore() from tests/helpers/test-store.ts, which follows TLCD_TEST_DIALECT.
 * Suites that compare dialects side by side use describeEachDialect and need no entry here.
 */
const POSTGRES_TOO = ['tests/engine.test.ts', 'tests/handoff-engine.test.ts', 'tests/handoff-hours.test.ts', 'tests/delivery.test.ts', 'tests/channels-wired.test.ts', 'tests/console-attachments.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['tests/**/*.test.ts'] } },
      { extends: true, test: { name: 'postgres', include: POSTGRES_TOO, env: { TLCD_TEST_DIALECT: 'postgres' } } },
    ],
  },
});
