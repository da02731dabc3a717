import { expect, type Page } from '@playwright/test';
import { apiCall, expectAccessible, screenshotter } from './helpers';

/**
 * Node group takeover in the browser (ADR 0067), on the dashboard spec's sandbox account: the policy
 * editor's "Allow the optimizer to lower node group minimums" checkbox switched on from the keyboard at a
 * cluster's level and saved, then the consolidation preview's "Node group minimums the run lowers" table,
 * row for row the route's `minimumChanges`. Nothing runs; the cluster's own policy is put back as it was,
 * so the optimizer-run test after it plans as before.
 */

const shot = screenshotter('takeover-');

interface MinimumChange {
  name: string;
  fromMinSize: number;
  toMinSize: number;
  nodes: number;
}
type Overrides = { infrastructure?: { binPacking?: Record<string, unknown> } } & Record<string, unknown>;

const dryRun = async (page: Page, clusterId: string) => {
  const res = await apiCall(page, `/api/client/clusters/${clusterId}/consolidation`, {
    method: 'POST',
    body: { dryRun: true },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { minimumChanges: MinimumChange[] };
};
const policyOf = async (page: Page, clusterId: string) => {
  const res = await apiCall(page, `/api/client/clusters/${clusterId}/policy`);
  expect(res.status).toBe(200);
  return res.body as { version: number; policy: Overrides };
};
async function putPolicy(page: Page, clusterId: string, policy: Overrides) {
  const { version } = await policyOf(page, clusterId);
  const res = await apiCall(page, `/api/client/clusters/${clusterId}/policy`, {
    method: 'PUT',
    body: { version, policy },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
const withBinPacking = (policy: Overrides, binPacking: Record<string, unknown>): Overrides => ({
  ...policy,
  infrastructure: {
    ...policy.infrastructure,
    binPacking: { ...policy.infrastructure?.binPacking, ...binPacking },
  },
});

/**
 * A cluster whose aggressive plan lowers a group minimum once the setting is on, found through the API
 * (the sandbox's fixed-size `legacy-workers` groups; which clusters depends on the sandbox's hour). It is
 * left aggressive with the setting off, for the person to switch on; the others are put back.
 */
async function clusterWithTakeover(page: Page) {
  const list = await apiCall(page, '/api/client/clusters?limit=100');
  expect(list.status).toBe(200);
  const clusters = (list.body.items as { id: string; name: string }[]).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const c of clusters) {
    const original = (await policyOf(page, c.id)).policy;
    await putPolicy(
      page,
      c.id,
      withBinPacking(original, { aggressiveness: 'aggressive', lowerGroupMinimums: true }),
    );
    const changes = (await dryRun(page, c.id)).minimumChanges;
    if (changes.length > 0) {
      await putPolicy(
        page,
        c.id,
        withBinPacking(original, { aggressiveness: 'aggressive', lowerGroupMinimums: false }),
      );
      return { clusterId: c.id, name: c.name, original };
    }
    await putPolicy(page, c.id, original);
  }
  throw new Error(`no cluster of ${clusters.length} whose aggressive plan lowers a group minimum`);
}

export async function groupMinimumsFromTheUi(page: Page) {
  await page.setViewportSize({ width: 1440, height: 900 });
  const cluster = await clusterWithTakeover(page);

  // The policy editor at the cluster's level: the checkbox is off; Space switches it on; Enter saves.
  await page.goto(`/policies?cluster=${cluster.clusterId}`);
  const card = page.getByTestId('card-binPacking');
  const checkbox = card.getByTestId('lower-group-minimums');
  await expect(checkbox).toBeVisible({ timeout: 30_000 });
  await expect(checkbox).not.toBeChecked();
  await expect(
    page.getByRole('checkbox', { name: 'Allow the optimizer to lower node group minimums' }),
  ).toHaveCount(1);
  await checkbox.focus();
  await page.keyboard.press('Space');
  await expect(checkbox).toBeChecked();
  await expect(page.getByTestId('unsaved-bar')).toContainText('You have unsaved changes (1 field)');
  await checkbox.scrollIntoViewIfNeeded();
  await shot(page, 'policy-checkbox');
  await expectAccessible(page, 'the policy page with node group takeover switched on');
  const save = page.getByTestId('save-policy');
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('unsaved-bar')).toBeHidden();
  expect((await policyOf(page, cluster.clusterId)).policy.infrastructure?.binPacking).toMatchObject({
    lowerGroupMinimums: true,
  });

  // The cluster page's dry run, from the keyboard: the minimums table is the route's minimumChanges.
  await page.goto(`/clusters/${cluster.clusterId}`);
  const activity = page.getByTestId('activity');
  const button = activity.getByTestId('preview-consolidation');
  await expect(button).toBeVisible({ timeout: 30_000 });
  await button.focus();
  await page.keyboard.press('Enter');
  const preview = activity.getByTestId('consolidation-preview');
  await expect(preview).toBeVisible({ timeout: 30_000 });
  await expect(preview.getByRole('heading', { name: 'Consolidation preview (dry run)' })).toBeFocused();
  const changes = (await dryRun(page, cluster.clusterId)).minimumChanges;
  expect(changes.length).toBeGreaterThan(0);
  const table = preview.getByTestId('plan-minimum-changes');
  await expect(preview.getByRole('heading', { name: 'Node group minimums the run lowers' })).toBeVisible();
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(changes.length);
  for (const [i, c] of changes.entries()) {
    const cells = rows.nth(i).locator('td');
    await expect(cells.nth(0)).toContainText(c.name);
    await expect(cells.nth(1)).toHaveText(String(c.nodes));
    await expect(cells.nth(2)).toHaveText(String(c.fromMinSize));
    await expect(cells.nth(3)).toHaveText(String(c.toMinSize));
    expect(c.toMinSize).toBeLessThan(c.fromMinSize);
  }
  await table.scrollIntoViewIfNeeded();
  await shot(page, 'preview-minimums');
  await expectAccessible(page, 'the consolidation preview with the node group minimums the run lowers');
  // The panel closes from the keyboard too, and the focus is not lost.
  await preview.getByTestId('close-preview').focus();
  await page.keyboard.press('Enter');
  await expect(preview).toHaveCount(0);

  // The cluster's own policy as it was, so the run test after this one plans as before.
  await putPolicy(page, cluster.clusterId, cluster.original);
}
