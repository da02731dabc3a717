import { defineConfig } from 'vitest/config';

// One config, three tiers. The tier is in the file name (house style): `*.ddb.test.ts` needs DynamoDB
// Local and cognito-local (started once by the globalSetup), `infra/**` synthesizes the CDK app, every
// other `*.test.ts` is a pure unit test with no network.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{shared,functions,local}/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['**/*.ddb.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'ddb',
          include: ['{shared,functions,local}/**/*.ddb.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./local/test/global-setup.ts'],
          // Scans every response and log line of each file for credentials (issue 11, secrets).
          setupFiles: ['./functions/test/support/ddb-secret-scan-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['infra/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          // Synthesizing the whole app (seven stacks, two regions) takes about a minute alone but several
          // on a loaded 2-core machine; a timeout here says nothing about the infrastructure.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
