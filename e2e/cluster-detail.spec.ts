import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, newUser, screenshotter, signUp } from './helpers';

/**
 * The cluster detail tabs (issue 17 item 5, ADR 0052): header (breadcrumbs, Sync Now), then each tab by
 * the keyboard (arrows move between tabs), its content, axe on each, screenshots. Its own organization:
 * one cluster written through the test-only fixtures (`local/src/registry-fixture.ts` for the Cluster
 * item, `local/src/cluster-detail-fixture.ts` for its groups, nodes and workloads), no sandbox scan.
 */
const shot = screenshotter('cluster-detail-');
const user = newUser('Detail');

const accessToken = (page: Page) =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } })
      .localStorage;
    const raw = storage.getItem('spot.session');
    return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : '';
  });

/** Brings the tab list to the top of the scrolling area, so a screenshot shows the open tab. */
const showTabs = (page: Page) =>
  page
    .getByRole('tablist', { name: 'Cluster detail' })
    .evaluate((el) =>
      (el as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }),
    );

async function seed(orgId: string): Promise<string> {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: 'spot-optimizer-local',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${Number(process.env.E2E_DYNAMODB_PORT ?? 8310)}`,
  });
  const { seedRegistryFleet } = await import('../local/src/registry-fixture');
  const { seedClusterDetail } = await import('../local/src/cluster-detail-fixture');
  const accountId = 'acct-detail-e2e';
  const [cluster] = await seedRegistryFleet(orgId, 1, {
    seed: 9,
    accountId,
    overrides: { 0: { name: 'production-us-east-1', tags: { env: 'prod' }, contactMinutesAgo: 1 } },
  });
  if (!cluster) throw new Error('no cluster seeded');
  await seedClusterDetail(orgId, cluster.clusterId, accountId);
  return cluster.clusterId;
}

test('cluster detail: each tab by keyboard, drift, compliance, node group edit form, axe', async ({
  page,
}) => {
  // A long page (the dashboard widgets above the tabs) on a busy machine: axe alone takes a while.
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signUp(page, user);
  await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
  await expect(page).toHaveURL(/\/dashboard/);
  const token = await accessToken(page);
  const headers = { authorization: `Bearer ${token}` };
  const me = await page.request.get('/api/me', { headers });
  const clusterId = await seed(String((await me.json()).orgId));
  // A default template that allows m5 and c5 only: the hand-launched r5 node is drift.
  const template = await page.request.post('/api/client/node-templates', {
    headers,
    data: {
      name: 'General purpose',
      families: ['m5', 'c5'],
      architecture: 'x86_64',
      capacityType: 'hybrid',
      disk: { type: 'gp3', sizeGiB: 50 },
      isDefault: true,
    },
  });
  expect(template.status()).toBe(201);

  await page.goto(`/clusters/${clusterId}`);
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs.getByRole('link', { name: 'Clusters' })).toBeVisible();
  await expect(crumbs).toContainText('production-us-east-1');
  await expect(page.getByTestId('sync-now')).toBeEnabled();

  // Overview & Health: topology and the alert feed.
  const tabs = page.getByRole('tablist', { name: 'Cluster detail' });
  const overview = tabs.getByRole('tab', { name: 'Overview & Health' });
  await expect(overview).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('topology-group')).toHaveCount(3);
  await expect(page.getByRole('list', { name: 'Nodes of web-spot' }).getByRole('listitem')).toHaveCount(3);
  await expect(page.getByTestId('cluster-alert').filter({ hasText: 'MemoryPressure' })).toBeVisible();
  // A monthly budget: stored on the cluster, the burndown answers against it.
  const budget = page.getByRole('form', { name: 'Monthly budget' });
  await budget.getByLabel('Monthly budget (USD)').fill('500');
  await budget.getByRole('button', { name: 'Save budget' }).click();
  await expect(page.getByTestId('burndown-summary')).toContainText('against $500');
  await showTabs(page);
  await shot(page, 'overview');
  await expectAccessible(page, 'the Overview & Health tab');

  // Arrows move between the tabs.
  await overview.focus();
  await page.keyboard.press('ArrowRight');
  const groupsTab = tabs.getByRole('tab', { name: 'Node Groups & Capacity' });
  await expect(groupsTab).toBeFocused();
  await expect(groupsTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('node-group-row')).toHaveCount(2);
  await page.getByRole('button', { name: 'Edit web-spot' }).click();
  const form = page.getByRole('form', { name: 'Edit web-spot' });
  await form.getByLabel('Min size').fill('6');
  await form.getByLabel('Max size').fill('4');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toContainText('minSize must not exceed maxSize');
  await showTabs(page);
  await shot(page, 'node-groups');
  await expectAccessible(page, 'the Node Groups & Capacity tab', '.detail');
  await form.getByRole('button', { name: 'Cancel' }).click();

  await groupsTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(tabs.getByRole('tab', { name: 'Workloads & Namespaces' })).toBeFocused();
  await expect(page.getByTestId('namespace-insight').filter({ hasText: 'analytics' })).toHaveText(
    'analytics requests 100 CPUs and uses 12 CPUs. Recommendation: right-size.',
  );
  await expect(page.getByTestId('namespace-row').first()).toContainText('analytics');
  await showTabs(page);
  await shot(page, 'workloads');
  await expectAccessible(page, 'the Workloads & Namespaces tab', '.detail');

  await page.keyboard.press('ArrowRight');
  await expect(tabs.getByRole('tab', { name: 'Compliance & Drift' })).toBeFocused();
  await expect(page.getByTestId('drift-summary')).toContainText('1 of 6 nodes');
  await expect(page.getByRole('rowheader', { name: 'ip-10-0-6-1.ec2.internal' })).toBeVisible();
  await expect(page.getByText('Launched by hand')).toBeVisible();
  await expect(page.getByTestId('compliance-summary')).toContainText('Policy violations detected');
  const privileged = page.getByTestId('compliance-finding').filter({ hasText: '4.2.1' });
  await expect(privileged).toContainText('Privileged containers in 6 pods of 1 workload');
  await expect(page.getByTestId('compliance-finding').filter({ hasText: '5.4.2' })).toContainText(
    'from anywhere',
  );
  await showTabs(page);
  await shot(page, 'compliance');
  await expectAccessible(page, 'the Compliance & Drift tab', '.detail');
});
