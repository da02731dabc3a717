import { expect, type Page } from '@playwright/test';
import { apiCall, expectAccessible, screenshotter } from './helpers';

/**
 * Node group takeover in the browser (ADR 0067, ADR 0088), on the dashboard spec's sandbox account: at a
 * cluster set to Aggressive without the setting, the policy editor's "Allow the optimizer to lower node
 * group minimums" checkbox shows on (its default at Aggressive); unticked from the keyboard and saved, it
 * is an explicit "no" and the dry run lowers nothing; "Use inherited" brings the default back, and the
 * consolidation preview's "Node group minimums the run lowers" table is, row for row, the route's
 * `minimumChanges`. Nothing runs; the cluster's own policy is put back as it was, so the optimizer-run
 * test after it plans as before.
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
/** The policy with `binPacking` set over it, `lowerGroupMinimums` left unset (its default follows). */
const withBinPacking = (policy: Overrides, binPacking: Record<string, unknown>): Overrides => {
  const { lowerGroupMinimums: _, ...inherited } = policy.infrastructure?.binPacking ?? {};
  return {
    ...policy,
    infrastructure: { ...policy.infrastructure, binPacking: { ...inherited, ...binPacking } },
  };
};

/**
 * A cluster whose aggressive plan lowers a group minimum with the setting left unset (on by default at
 * Aggressive, ADR 0088), found through the API (the sandbox's fixed-size `legacy-workers` groups; which
 * clusters depends on the sandbox's hour). It is left so; the others are put back.
 */
async function clusterWithTakeover(page: Page) {
  const list = await apiCall(page, '/api/client/clusters?limit=100');
  expect(list.status).toBe(200);
  const clusters = (list.body.items as { id: string; name: string }[]).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const c of clusters) {
    const original = (await policyOf(page, c.id)).policy;
    await putPolicy(page, c.id, withBinPacking(original, { aggressiveness: 'aggressive' }));
    const changes = (await dryRun(page, c.id)).minimumChanges;
    if (changes.length > 0) return { clusterId: c.id, name: c.name, original };
    await putPolicy(page, c.id, original);
  }
  throw new Error(`no cluster of ${clusters.length} whose aggressive plan lowers a group minimum`);
}

export async function groupMinimumsFromTheUi(page: Page) {
  await page.setViewportSize({ width: 1440, height: 900 });
  const cluster = await clusterWithTakeover(page);

  // The policy editor at the cluster's level: Aggressive and nothing set, so the checkbox shows on.
  await page.goto(`/policies?cluster=${cluster.clusterId}`);
  const card = page.getByTestId('card-binPacking');
  const checkbox = card.getByTestId('lower-group-minimums');
  const state = card.getByTestId('lower-group-minimums-state');
  await expect(checkbox).toBeVisible({ timeout: 30_000 });
  await expect(checkbox).toBeChecked();
  await expect(state).toContainText('On by default at Aggressive');
  await expect(state).toContainText('follows the aggressiveness (now on)');
  await expect(
    page.getByRole('checkbox', { name: 'Allow the optimizer to lower node group minimums' }),
  ).toHaveCount(1);
  await checkbox.scrollIntoViewIfNeeded();
  await shot(page, 'policy-checkbox-default');
  await expectAccessible(page, 'the policy page with node group takeover on by default at Aggressive');

  // Space unticks it: an explicit "no", saved with Enter; the dry run then lowers no minimum.
  await checkbox.focus();
  await page.keyboard.press('Space');
  await expect(checkbox).not.toBeChecked();
  await expect(state).toContainText('set off explicitly');
  await expect(page.getByTestId('unsaved-bar')).toContainText('You have unsaved changes (1 field)');
  await shot(page, 'policy-checkbox-off');
  const save = page.getByTestId('save-policy');
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('unsaved-bar')).toBeHidden();
  expect((await policyOf(page, cluster.clusterId)).policy.infrastructure?.binPacking).toMatchObject({
    aggressiveness: 'aggressive',
    lowerGroupMinimums: false,
  });
  expect((await dryRun(page, cluster.clusterId)).minimumChanges).toEqual([]);

  // "Use inherited" (from the keyboard) drops the explicit value: on again at Aggressive, saved unset.
  const inherit = card.getByRole('button', { name: 'Use the inherited lower node group minimums' });
  await inherit.focus();
  await page.keyboard.press('Enter');
  await expect(checkbox).toBeChecked();
  await expect(state).toContainText('follows the aggressiveness (now on)');
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('unsaved-bar')).toBeHidden();
  const unset = (await policyOf(page, cluster.clusterId)).policy.infrastructure?.binPacking;
  expect(unset).toMatchObject({ aggressiveness: 'aggressive' });
  expect(unset).not.toHaveProperty('lowerGroupMinimums');

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
