import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, fillSandboxKeys, newUser, sandboxKeys, screenshotter, signUp } from './helpers';

/**
 * The cluster page's Activity section and the consolidation dry run (issue 14), on the sandbox cloud.
 * The first sandbox account: this spec runs before the keyboard journey (specs run one at a time, by
 * file name) and disconnects the account at its end, so the journey can connect it again. The second
 * account is the dashboard spec's.
 */
const shot = screenshotter('activity-');
const user = newUser('Activity');

async function apiCall(page: Page, path: string, init: { method?: string; body?: unknown } = {}) {
  return page.evaluate(
    async ({ path, init }) => {
      const g = globalThis as unknown as {
        localStorage: { getItem(key: string): string | null };
        fetch: typeof fetch;
      };
      const token = (JSON.parse(g.localStorage.getItem('spot.session') ?? '{}') as { accessToken?: string })
        .accessToken;
      const res = await g.fetch(path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    { path, init },
  );
}

test('a cluster page lists the activity and previews consolidation before anything runs', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const keys = sandboxKeys(0);
  expect(keys, 'the local stack writes the sandbox keys to <dataDir>/sandbox.json').not.toBeNull();
  if (!keys) return;
  await page.setViewportSize({ width: 1440, height: 900 });
  await signUp(page, user);
  const wizard = page.getByRole('dialog');
  await wizard.getByRole('button', { name: 'Start Setup' }).click();
  await wizard.getByRole('button', { name: /Lab \/ Dev/ }).click();
  await fillSandboxKeys(page, keys, 'Sandbox Lab');
  await wizard.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(wizard.getByRole('heading', { name: 'Account Connected!' })).toBeVisible({ timeout: 30_000 });
  await wizard.getByRole('button', { name: 'Go to Dashboard' }).click();
  await expect(page).toHaveURL(/\/dashboard/);

  // The first collected cluster opens its page (the keyboard: focus the row, Enter).
  const row = page.getByTestId('widget-clusters').locator('tbody tr').first();
  await expect(row).toBeVisible({ timeout: 120_000 });
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/clusters\/eks-/);
  const clusterId = new URL(page.url()).pathname.split('/').pop() ?? '';

  // The Activity section: nothing has run yet, and it says so.
  const activity = page.getByTestId('activity');
  await expect(activity.getByRole('heading', { name: 'Activity', level: 2 })).toBeVisible();
  await expect(activity.getByTestId('activity-empty')).toBeVisible();

  // The dry run, from the keyboard: the panel opens and takes the focus on its heading.
  const button = activity.getByTestId('preview-consolidation');
  await button.focus();
  await page.keyboard.press('Enter');
  const preview = activity.getByTestId('consolidation-preview');
  await expect(preview).toBeVisible({ timeout: 30_000 });
  await expect(preview.getByRole('heading', { name: 'Consolidation preview (dry run)' })).toBeFocused();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const summary = (await preview.getByTestId('plan-summary').textContent()) ?? '';
  expect(summary).toMatch(
    /^(Removes \d+ nodes? in \d+ waves? .* saves \$[\d,.]+ per month\.|Nothing to remove now)/,
  );

  // What the panel shows is the route's plan, figure for figure.
  const plan = await apiCall(page, `/api/client/clusters/${clusterId}/consolidation`, {
    method: 'POST',
    body: { dryRun: true },
  });
  expect(plan.status).toBe(200);
  const steps = plan.body.steps as { node: string; wave: number }[];
  if (steps.length > 0) {
    await expect(preview.getByTestId('plan-steps').locator('tbody tr')).toHaveCount(steps.length);
    await expect(preview.getByTestId('plan-steps')).toContainText(steps[0]?.node ?? '');
    // Never more nodes in one wave than the policy lets drain at once (1 by default).
    const perWave = new Map<number, number>();
    for (const s of steps) perWave.set(s.wave, (perWave.get(s.wave) ?? 0) + 1);
    expect(Math.max(...perWave.values())).toBeLessThanOrEqual(1);
  }
  await expect(preview).toContainText('PodDisruptionBudgets');
  await preview.scrollIntoViewIfNeeded();
  await shot(page, 'preview');
  await expectAccessible(page, 'the cluster page with the consolidation preview open');

  // Starting a run is refused, with the reason (no pretend start); the activity stays empty.
  const start = await apiCall(page, `/api/client/clusters/${clusterId}/consolidation`, {
    method: 'POST',
    body: { dryRun: false },
  });
  expect(start.status).toBe(409);
  expect(String(start.body.message)).toContain('not enabled yet');

  await preview.getByTestId('close-preview').click();
  await expect(preview).toHaveCount(0);
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await shot(page, 'empty');

  // Release the AWS account for the keyboard journey (one AWS account belongs to one organization).
  const accounts = await apiCall(page, '/api/client/accounts');
  const linked = (accounts.body.items as { id: string; awsAccountIdMasked: string | null }[]).filter(
    (a) => a.awsAccountIdMasked !== null,
  );
  expect(linked).toHaveLength(1);
  for (const { id } of linked) {
    const gone = await page.evaluate(
      async ({ id }) => {
        const g = globalThis as unknown as {
          localStorage: { getItem(key: string): string | null };
          fetch: typeof fetch;
        };
        const token = (JSON.parse(g.localStorage.getItem('spot.session') ?? '{}') as { accessToken?: string })
          .accessToken;
        return (
          await g.fetch(`/api/client/accounts/${id}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          })
        ).status;
      },
      { id },
    );
    expect(gone).toBeLessThan(300);
  }
});
