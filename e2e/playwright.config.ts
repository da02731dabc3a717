import { defineConfig } from '@playwright/test';

/**
 * Browser tests: Debian's chromium (never a downloaded browser) against the local stack, which
 * Playwright starts on its own ports with a fresh data directory and stops afterwards.
 */
const port = Number(process.env.E2E_PORT ?? 3310);
// A fresh data directory per run; set in the environment so the test workers (forked later) agree.
process.env.E2E_DATA_DIR ??= `.test-results/e2e-data-${Date.now()}`;
export const e2eDataDir = process.env.E2E_DATA_DIR;
export const screenshotDir = '.test-results/screenshots';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../.test-results/playwright',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  // Spec files run side by side against the one local stack: each signs up its own organization, and the
  // five that connect the sandbox use different accounts (keyboard journey: 0, dashboard: 1, hibernation:
  // 2, add cluster: 3, cluster detail: 4, the `e2e` world's third to fifth accounts), so they never share
  // data. Tests of
  // one file stay in order (the dashboard's and the hibernation spec's serial describes build on their
  // first tests).
  //
  // The two sandbox chains are the longest files and much of them waits (the first scan, a 40 s agent push,
  // a notice on the minute); project `sandbox-chains` is listed first, so both are dispatched at once, and
  // every other file (project `specs`) takes whichever of the three workers is free (ADRs 0055, 0056).
  fullyParallel: false,
  workers: 3,
  projects: [
    { name: 'sandbox-chains', testMatch: ['dashboard.spec.ts', 'hibernation.spec.ts'], workers: 2 },
    { name: 'specs', testIgnore: ['dashboard.spec.ts', 'hibernation.spec.ts'] },
  ],
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
  webServer: {
    command: 'npx tsx local/src/main.ts',
    cwd: '..',
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    // SIGTERM first, so DynamoDB Local closes its files; the local stack stops its children on it.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      SPOT_PORT: String(port),
      SPOT_DYNAMODB_PORT: String(Number(process.env.E2E_DYNAMODB_PORT ?? 8310)),
      SPOT_COGNITO_PORT: String(Number(process.env.E2E_COGNITO_PORT ?? 9310)),
      SPOT_DATA_DIR: e2eDataDir,
      // One run, never restarted: the table in memory makes the first scans' history writes ~2.5x faster.
      SPOT_DYNAMODB_IN_MEMORY: '1',
      // The sandbox agents keep their 5-minute snapshot period: every push of 11 clusters costs the shared
      // stack CPU. "Figures refresh by themselves" asks one agent to push now (POST
      // /sandbox/clusters/{name}/agent-snapshot) instead of waiting for it.
      // The small world plus a third and a fourth account, so each sandbox spec connects one of its own
      // (ADR 0056).
      SPOT_SANDBOX_SIZE: 'e2e',
    },
  },
});
