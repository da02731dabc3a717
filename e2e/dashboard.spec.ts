import { expect, type Page, test } from '@playwright/test';
import {
  expectAccessible,
  fillSandboxKeys,
  newUser,
  sandboxKeys,
  screenshotPath,
  screenshotter,
  signUp,
} from './helpers';

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

const user = newUser('Dashboard');

/** Signs in again as the user of the first test: the dashboard is where a user with data lands. */
async function signInAgain(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard/);
}

test.describe
  .serial('the dashboard on the sandbox', () => {
    test('a new user connects the sandbox and sees every widget with data within two minutes', async ({
      page,
    }) => {
      test.setTimeout(300_000);
      // The second sandbox account: the onboarding spec connects the first to its own organization.
      const keys = sandboxKeys(1);
      expect(keys, 'the local stack writes the sandbox keys to <dataDir>/sandbox.json').not.toBeNull();
      if (!keys) return;
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, user);
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
      const firstData = `every widget non-zero ${((Date.now() - connectedAt) / 1000).toFixed(1)} s after Connect`;
      test.info().annotations.push({ type: 'first-data', description: firstData });
      console.log(`[dashboard] ${firstData}`);
      // The dollar figures themselves, not only the widgets' key numbers.
      for (const figure of [
        'summary-potential-savings',
        'gap-potential-savings',
        'spot-potential-savings',
        'hibernation-potential-savings',
      ])
        await expect(page.getByTestId(figure)).not.toHaveText(/^\$0(\.0+)?\b/);
      await expect(page.getByTestId('gap-within-best')).toContainText('% of the best possible');
      await expect(page.getByTestId('heatmap-time-zone')).toBeVisible();
      await shot(page, '00-full');
      for (const id of widgets) await page.getByTestId(id).screenshot({ path: screenshotPath(`dash-${id}`) });
    });

    test('figures refresh by themselves when new snapshots arrive, without a page reload', async ({
      page,
    }) => {
      test.setTimeout(150_000);
      await signInAgain(page);
      const freshness = page.getByTestId('dashboard-freshness');
      await expect(freshness).toHaveAttribute('data-synced-at', /.+/);
      const before = await freshness.getAttribute('data-synced-at');
      // A marker on the window survives only if the page is never reloaded.
      await page.evaluate(() => {
        (globalThis as unknown as { noReload: boolean }).noReload = true;
      });
      // The sandbox clusters' agents push a snapshot every few minutes (the first right after the scan).
      await expect
        .poll(async () => freshness.getAttribute('data-synced-at'), { timeout: 200_000, intervals: [2_000] })
        .not.toBe(before);
      expect(await page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload)).toBe(
        true,
      );
    });

    test('a cluster row opens the cluster page with its own summary', async ({ page }) => {
      await signInAgain(page);
      const table = page.getByTestId('widget-clusters');
      const first = table.locator('tbody tr').first();
      const name = (await first.locator('.name-cell .name').first().textContent())?.trim() ?? '';
      expect(name).not.toBe('');
      await first.focus();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/\/clusters\/eks-/);
      await expect(page.getByTestId('cluster-header')).toContainText(name);
      await expectNonZero(page, 'widget-summary', Date.now() + 30_000);
      await expect(page.getByTestId('widget-clusters')).toHaveCount(0);
      await shot(page, '10-cluster-page');
    });

    test('a failed load says so and recovers with Retry', async ({ page }) => {
      await page.route('**/api/client/dashboard?**', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service busy"}' }),
      );
      await page.route('**/api/client/dashboard', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service busy"}' }),
      );
      await signInAgain(page);
      const retry = page.getByRole('button', { name: 'Retry' }).first();
      await expect(retry).toBeVisible();
      await shot(page, '20-error');
      await page.unrouteAll();
      await retry.click();
      await expectNonZero(page, 'widget-summary', Date.now() + 30_000);
    });

    // Node templates on a connected account: the security groups come live from the sandbox cloud, and
    // the estimator prices the template in the account's region (issue 12).
    test('the template wizard lists the account security groups and prices in its region', async ({
      page,
    }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signInAgain(page);
      await page.getByRole('menuitem', { name: 'Node Templates' }).first().click();
      await page.getByTestId('create-template').click();
      const wizard = page.getByTestId('template-wizard');
      await wizard.getByLabel('Template Name').fill('Sandbox web');
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByTestId('category-general-purpose').click();
      const estimator = wizard.getByTestId('cost-estimator');
      await expect(estimator).toContainText(/priced in [a-z]+-[a-z]+-\d/);
      await expect(estimator.getByTestId('estimate-spot')).toContainText(/\$\d+\.\d{4}\/hr/);
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByRole('button', { name: 'Next' }).click();
      await expect(wizard.getByRole('heading', { name: 'Storage & Networking' })).toBeVisible();
      await expect(wizard.getByText('Sandbox Lab ·')).toBeVisible();
      await wizard.getByLabel('Security groups').click();
      const options = page.locator('.n-base-select-option').filter({ hasText: /^sg-[0-9a-f]+ · / });
      await expect(options.first()).toBeVisible();
      await options.first().click();
      await page.keyboard.press('Escape');
      await shot(page, '30-template-security-groups');
      await expectAccessible(page, 'the wizard with security groups', '.n-drawer');
      await wizard.getByRole('button', { name: 'Next' }).click();
      await expect(wizard.getByTestId('summary-json')).toContainText('"securityGroupIds": [\n    "sg-');
      await wizard.getByRole('tab', { name: 'Karpenter NodePool' }).click();
      await expect(wizard.getByTestId('summary-yaml')).toContainText('securityGroupSelectorTerms:');
      await page.getByRole('button', { name: 'Create' }).click();
      await expect(
        page.getByTestId('templates-table').getByText('Sandbox web', { exact: true }),
      ).toBeVisible();
    });
  });
