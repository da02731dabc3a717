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
  // Two spec files at a time against the one local stack: each spec signs up its own organization and the
  // two that connect the sandbox use different accounts (dashboard: 1, keyboard journey: 0), so they never
  // share data. Most of a spec's time is waiting (a scan, a 40 s agent push, polling), which the other
  // spec's work fills: the tier went from about 9 min to about 5 on CI's 2 cores. Tests of one file stay in
  // order (the dashboard's serial describe builds on its first test).
  fullyParallel: false,
  workers: 2,
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
      // The sandbox agents push a snapshot every 40 s instead of every 5 min: "figures refresh by themselves"
      // then waits for one push, not for whichever part of a 5-minute cycle the run happens to start in.
      SPOT_SANDBOX_AGENT_SNAPSHOT_SECONDS: '40',
    },
  },
});
