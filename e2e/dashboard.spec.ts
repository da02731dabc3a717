import { expect, type Page, test } from '@playwright/test';
import { fillSandboxKeys, newUser, sandboxKeys, screenshotPath, screenshotter, signUp } from './helpers';

const shot = screenshotter('dash-');

/** The promise: from "Connect" to every widget showing non-zero data within two minutes. */
const firstDataBudgetMs = 120_000;

const widgets = [
  'widget-summary',
  'widget-clusters',
  'widget-resource-gap',
  'widget-fleet',
  'widget-heatmap',
  'widget-stability',
] as const;

/** Waits for a widget to show a non-zero key figure (`data-figure` on its root), before the deadline. */
async function expectNonZero(page: Page, testId: string, deadline: number) {
  const widget = page.getByTestId(testId);
  await expect(widget).toBeVisible({ timeout: Math.max(1_000, deadline - Date.now()) });
  await expect
    .poll(async () => Number((await widget.getAttribute('data-figure')) ?? '0'), {
      timeout: Math.max(1_000, deadline - Date.now()),
      message: `${testId} shows non-zero data`,
    })
    .toBeGreaterThan(0);
}

test.describe
  .serial('the dashboard on the sandbox', () => {
    test('a new user connects the sandbox and sees every widget with data within two minutes', async ({
      page,
    }) => {
      test.setTimeout(300_000);
      const keys = sandboxKeys();
      expect(keys, 'the local stack writes the sandbox keys to <dataDir>/sandbox.json').not.toBeNull();
      if (!keys) return;
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, newUser('Dashboard'));
      const wizard = page.getByRole('dialog');
      await wizard.getByRole('button', { name: 'Start Setup' }).click();
      await wizard.getByRole('button', { name: /Lab \/ Dev/ }).click();
      await fillSandboxKeys(page, keys, 'Sandbox Lab');
      const connectedAt = Date.now();
      const deadline = connectedAt + firstDataBudgetMs;
      await wizard.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect(wizard.getByText('Connection Established')).toBeVisible({
        timeout: deadline - Date.now(),
      });
      await wizard.getByRole('button', { name: 'Go to Dashboard' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      for (const id of widgets) await expectNonZero(page, id, deadline);
      test.info().annotations.push({
        type: 'first-data',
        description: `every widget non-zero ${((Date.now() - connectedAt) / 1000).toFixed(1)} s after Connect`,
      });
      await shot(page, '00-full');
      for (const id of widgets) await page.getByTestId(id).screenshot({ path: screenshotPath(`dash-${id}`) });
    });
  });
