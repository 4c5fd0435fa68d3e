import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Our sources import `graphql` as Node does at run time (its CommonJS build, the one the gateway
// and Apollo load), not the ES module build Vite would pick: two copies of graphql in one process
// make instanceof checks fail ("Cannot use GraphQLSchema from another module or realm") only in tests.
const resolve = {
  alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
};

/**
 * Three projects: `unit` (each package's test/*.test.ts: real SQLite, real HTTP, in-process),
 * `unit-postgres` (the subgraph tests that open a store, again, on a throw-away PostgreSQL
 * database of TEST_PG_URL: TEST_STORE_ENGINE=postgres, see tempDir) and `e2e` (test/e2e/*.e2e.ts:
 * the whole system as real processes, started from the esbuild bundles production runs;
 * E2E_RUNTIME=tsx for the sources). E2E files run one at a time: each starts six processes, and the
 * machine has two cores.
 */
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'subgraphs/*/test/**/*.test.ts',
            'router/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          globalSetup: ['test/setup/kafkaGlobalSetup.ts'],
        },
      },
      {
        resolve,
        test: {
          name: 'unit-postgres',
          include: ['subgraphs/*/test/**/*.test.ts'],
          // No store in these (pure rules), or on PostgreSQL in both projects.
          exclude: [
            '**/*StateMachine.test.ts',
            '**/sagas.test.ts',
            '**/catalogInput.test.ts',
            '**/*.pg.test.ts',
          ],
          env: { TEST_STORE_ENGINE: 'postgres' },
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          // The test kit's waitFor default: six real processes on a shared machine need longer than
          // the in-process unit tests' 10 s (and have a 120 s test timeout to spend it in).
          env: { TEST_WAIT_TIMEOUT_MS: '30000' },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: [
            'test/setup/kafkaGlobalSetup.ts',
            'test/setup/webAppGlobalSetup.ts',
            'test/setup/serviceBundlesGlobalSetup.ts',
          ],
        },
      },
    ],
  },
});
