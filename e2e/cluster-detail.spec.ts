import { expect, type Page, test } from '@playwright/test';
import { formatPercent } from '../web/src/lib/format';
import { expectAccessible, newUser, sandboxKeys, screenshotPath, screenshotter, signUp } from './helpers';

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
  // A rightsizing link lands on that workload's row of the cluster's rightsizing dry run.
  await page.getByRole('link', { name: /^Right-size: save \$1,440\/month on spark-driver$/ }).click();
  await expect(page).toHaveURL(
    new RegExp(`/clusters/${clusterId}\\?rightsizing=analytics(/|%2F)Deployment(/|%2F)spark-driver$`),
  );
  const preview = page.getByTestId('rightsizing-preview');
  await expect(preview).toBeVisible();
  await expect(preview.getByTestId('rightsizing-focus')).toContainText('analytics/spark-driver (Deployment)');
  await expect(preview.getByTestId('rightsizing-focus')).toHaveAttribute('aria-current', 'true');
  await expect(preview.getByTestId('rightsizing-focus-note')).toContainText(
    'analytics/spark-driver (Deployment)',
  );
  await expect(preview.getByTestId('rightsizing-focus')).toBeInViewport();
  await page.screenshot({ path: screenshotPath('cluster-detail-rightsizing-link') });
  await expectAccessible(
    page,
    'the rightsizing dry run at one workload',
    '[data-testid="rightsizing-preview"]',
  );
  await tabs.getByRole('tab', { name: 'Workloads & Namespaces' }).focus();

  await page.keyboard.press('ArrowRight');
  await expect(tabs.getByRole('tab', { name: 'Compliance & Drift' })).toBeFocused();
  await expect(page.getByTestId('drift-summary')).toContainText('1 of 6 nodes');
  await expect(page.getByRole('rowheader', { name: 'ip-10-0-6-1.ec2.internal' })).toBeVisible();
  await expect(page.getByText('Launched by hand')).toBeVisible();
  // The seeded node's instance was never launched in the sandbox: CloudTrail has no RunInstances for it.
  await expect(page.getByTestId('drift-principal')).toContainText('unknown (');
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

test('a scanned sandbox cluster: Sync Now shows its progress and reads "Last synced" again, spot readiness per group', async ({
  page,
}) => {
  // A first scan of the sandbox's fifth account (one tiny cluster), then the one Sync Now starts.
  test.setTimeout(300_000);
  const keys = sandboxKeys(4);
  expect(keys, 'sandbox account 4 in <dataDir>/sandbox.json (the e2e world has five)').not.toBeNull();
  if (!keys) return;
  await page.setViewportSize({ width: 1440, height: 900 });
  const synced = newUser('Synced');
  await signUp(page, synced);
  await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
  await expect(page).toHaveURL(/\/dashboard/);
  const headers = { authorization: `Bearer ${await accessToken(page)}` };
  const connected = await page.request.post('/api/client/accounts/connect', {
    headers,
    data: {
      method: 'access-key',
      region: keys.region ?? 'us-east-1',
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      ...(keys.awsAccountId ? { awsAccountId: keys.awsAccountId } : {}),
      name: 'Sandbox Catalog',
    },
  });
  expect(connected.status(), await connected.text()).toBeLessThan(300);
  const accountId = String((await connected.json()).id);
  await expect
    .poll(
      async () =>
        (await (await page.request.get(`/api/client/accounts/${accountId}`, { headers })).json()).status,
      { timeout: 180_000, intervals: [2_000] },
    )
    .toBe('active');
  const list = await (await page.request.get('/api/client/clusters', { headers })).json();
  const listed = (list.items as { id: string; name: string }[]).find((c) => c.name === 'dev-catalog-use1');
  expect(listed, JSON.stringify(list.items)).toBeDefined();
  const clusterId = String(listed?.id);
  // The stack installs the sandbox agent once the scan is done; Sync Now is to ask it, so it must have
  // pushed its first snapshot (then discovery leaves the cluster to it).
  await expect
    .poll(
      async () => {
        const rows = (await (await page.request.get('/api/client/clusters', { headers })).json()).items as {
          id: string;
          agent: { lastSnapshotAt: string | null } | null;
        }[];
        return rows.find((c) => c.id === clusterId)?.agent?.lastSnapshotAt ?? null;
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .not.toBeNull();

  await page.goto(`/clusters/${clusterId}`);
  const freshness = page.getByTestId('dashboard-freshness');
  await expect(freshness).toContainText('Last synced');
  // Fed by its agent: the page says the agent's snapshots refresh it, not discovery.
  await expect(freshness).toContainText('refreshes by itself on each snapshot its agent sends');
  const syncedBefore = String(await freshness.getAttribute('data-synced-at'));
  expect(Date.parse(syncedBefore)).not.toBeNaN();

  // Sync Now: this cluster is fed by its sandbox agent (installed after the first scan), which discovery
  // leaves alone while its snapshot is fresh, so the sync asks the agent for a snapshot (ADR 0076): the
  // button says it waits for it, then "Last synced" is a time after the click.
  const clickedAt = new Date().toISOString();
  const syncNow = page.getByTestId('sync-now');
  await syncNow.click();
  const progress = page.getByTestId('sync-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/^Sync running: waiting for the cluster’s agent/);
  await expect(syncNow).toHaveText('Syncing…');
  await expect(syncNow).toBeDisabled();
  await shot(page, 'sync-running');
  // A second click while it runs is not possible here; through the API it asks nothing more.
  const again = await page.request.post(`/api/client/clusters/${clusterId}/sync`, { headers });
  expect(again.status()).toBe(202);
  expect(await again.json()).toMatchObject({ via: 'agent', alreadyRequested: true });
  // The agent answers with its next heartbeat (every 30 s in the sandbox).
  await expect(progress).toBeHidden({ timeout: 90_000 });
  await expect(syncNow).toHaveText('Sync Now');
  await expect(page.getByText(/is synced: its agent sent a fresh snapshot/)).toBeVisible();
  await expect
    .poll(async () => Date.parse(String(await freshness.getAttribute('data-synced-at'))), { timeout: 15_000 })
    .toBeGreaterThan(Date.parse(clickedAt));
  expect(Date.parse(String(await freshness.getAttribute('data-synced-at')))).toBeGreaterThan(
    Date.parse(syncedBefore),
  );
  const now = await (await page.request.get(`/api/client/clusters/${clusterId}`, { headers })).json();
  await expect(freshness).toHaveAttribute('data-synced-at', String(now.cluster.lastSyncedAt));
  await shot(page, 'sync-done');
  await expect(freshness).toContainText(/^Last synced /);

  // Node Groups & Capacity: each group's spot readiness, computed here from the snapshot's data: the
  // movable pods on the group's nodes, eligible and ready as their workloads are.
  const detail = await (await page.request.get(`/api/client/clusters/${clusterId}`, { headers })).json();
  const workloads = new Map(
    (
      detail.workloads as {
        namespace: string;
        kind: string;
        name: string;
        spotEligible: boolean;
        spotReady: boolean;
      }[]
    ).map((w) => [`${w.namespace}#${w.kind}#${w.name}`, w]),
  );
  const expected = new Map<string, string>();
  for (const g of detail.nodeGroups as { nodeGroupId: string; name: string }[]) {
    let eligible = 0;
    let ready = 0;
    for (const n of detail.nodes as {
      nodeGroupId: string | null;
      movablePods: { workload?: string; count: number }[] | null;
    }[]) {
      if (n.nodeGroupId !== g.nodeGroupId) continue;
      for (const p of n.movablePods ?? []) {
        const w = workloads.get(p.workload ?? '');
        if (!w?.spotEligible) continue;
        eligible += p.count;
        if (w.spotReady) ready += p.count;
      }
    }
    expected.set(g.name, eligible === 0 ? 'No eligible pods' : formatPercent(ready / eligible));
  }
  expect(
    [...expected.values()].some((t) => t.endsWith('%')),
    JSON.stringify([...expected]),
  ).toBe(true);
  await page
    .getByRole('tablist', { name: 'Cluster detail' })
    .getByRole('tab', { name: 'Node Groups & Capacity' })
    .click();
  const rows = page.getByTestId('node-group-row');
  await expect(rows).toHaveCount(expected.size);
  for (const [name, text] of expected) {
    const row = rows.filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    await expect(row.getByTestId('spot-readiness')).toHaveText(text);
  }
  await showTabs(page);
  await shot(page, 'node-groups-sandbox');
  await expectAccessible(page, 'the Node Groups & Capacity tab of a scanned cluster', '.detail');

  // The cluster's Karpenter NodePool (the customer's `batch`, spot only): spot mode off and a node limit,
  // queued to the cluster's agent (write mode in the sandbox) as a server-side apply (ADR 0079).
  const poolRow = rows.filter({ has: page.getByRole('rowheader', { name: 'batch', exact: true }) });
  await expect(poolRow).toContainText('Karpenter NodePool');
  // Its Capacity is the NodePool's: spot, as its requirement and its nodes say before the edit.
  const capacity = poolRow.getByTestId('capacity');
  await expect(capacity).toHaveText('Spot');
  await poolRow.getByRole('button', { name: 'Edit batch' }).click();
  const poolForm = page.getByRole('form', { name: 'Edit batch' });
  await expect(poolForm).toContainText('Karpenter has no minimum');
  const spot = poolForm.getByRole('checkbox', { name: /^Spot mode/ });
  await expect(spot).toBeChecked();
  await spot.press('Space');
  await expect(spot).not.toBeChecked();
  await poolForm.getByLabel('Max nodes').fill('4');
  await poolForm.getByRole('button', { name: 'Save' }).click();
  await expect(poolForm).toBeHidden();
  const status = poolRow.getByTestId('nodepool-edit-status');
  await expect(status).toContainText('Edit: on-demand, at most 4 nodes;');
  // The column follows the edit at once, marked pending while the command waits for the agent.
  await expect(capacity).toHaveText('On-demand (pending)');
  // The page's Karpenter card reads the edit again: batch is no longer "never touched".
  await expect(
    page
      .getByTestId('karpenter')
      .getByRole('row', { name: /NodePool batch/ })
      .getByTestId('karpenter-owner'),
  ).toContainText('Customer, edited through Spot Optimizer (capacity type on-demand, limits.nodes 4;');
  await showTabs(page);
  await shot(page, 'node-groups-nodepool-queued');
  await expectAccessible(page, 'the Node Groups & Capacity tab with a NodePool edit', '.detail');
  // The agent polls its commands every 15 s; the page shows its answer once reloaded.
  await expect
    .poll(
      async () => {
        const d = await (await page.request.get(`/api/client/clusters/${clusterId}`, { headers })).json();
        const pool = (
          d.nodeGroups as { name: string; nodePoolEdit?: { command: { outcome: string | null } } }[]
        ).find((g) => g.name === 'batch');
        return pool?.nodePoolEdit?.command.outcome ?? null;
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toBe('succeeded');
  // The sandbox cluster's NodePool now admits on-demand only, with the node limit, its other fields kept.
  const karpenter = await (
    await page.request.get(`/api/client/clusters/${clusterId}/karpenter`, { headers })
  ).json();
  const livePool = (
    karpenter.live as {
      kind: string;
      name: string;
      spec: { limits: Record<string, string>; template: { spec: Record<string, unknown> } };
    }[]
  ).find((o) => o.kind === 'NodePool' && o.name === 'batch');
  expect(livePool?.spec.limits.nodes).toBe('4');
  expect(livePool?.spec.template.spec.requirements).toContainEqual({
    key: 'karpenter.sh/capacity-type',
    operator: 'In',
    values: ['on-demand'],
  });
  expect(livePool?.spec.template.spec.nodeClassRef).toBeDefined();
  await page.reload();
  await page
    .getByRole('tablist', { name: 'Cluster detail' })
    .getByRole('tab', { name: 'Node Groups & Capacity' })
    .click();
  await expect(
    page
      .getByTestId('node-group-row')
      .filter({ has: page.getByRole('rowheader', { name: 'batch', exact: true }) })
      .getByTestId('nodepool-edit-status'),
  ).toHaveText('Edit: on-demand, at most 4 nodes; applied by the agent.');
  // Applied: the NodePool admits on-demand only, and the column says so although the spot nodes it ran
  // before still run (Karpenter replaces them as drifted; the sandbox's simulated nodes keep theirs).
  const appliedDetail = await (
    await page.request.get(`/api/client/clusters/${clusterId}`, { headers })
  ).json();
  expect(
    (appliedDetail.nodeGroups as { name: string; capacityType: string }[]).find((g) => g.name === 'batch')
      ?.capacityType,
  ).toBe('spot');
  await expect(
    page
      .getByTestId('node-group-row')
      .filter({ has: page.getByRole('rowheader', { name: 'batch', exact: true }) })
      .getByTestId('capacity'),
  ).toHaveText('On-demand');
  await showTabs(page);
  await shot(page, 'node-groups-nodepool-applied');
  await expectAccessible(
    page,
    'the Node Groups & Capacity tab after the agent applied a NodePool edit',
    '.detail',
  );

  // The Karpenter card: batch stays the customer's NodePool (not applied by Spot Optimizer, never
  // removed), and its owner cell says the product applied its capacity type and limits.nodes, when, by
  // whom and the agent's answer, instead of "never touched".
  const card = page.getByTestId('karpenter');
  const batchRow = card.getByTestId('karpenter-table').getByRole('row', { name: /NodePool batch/ });
  await expect(batchRow.getByRole('cell').first()).toHaveText('no');
  const owner = batchRow.getByTestId('karpenter-owner');
  await expect(owner).toContainText(
    'Customer, edited through Spot Optimizer (capacity type on-demand, limits.nodes 4;',
  );
  await expect(owner).toContainText(
    `by ${synced.email}, applied by the agent); never rendered or removed by it`,
  );
  await expect(owner).not.toContainText('never touched');
  await card.scrollIntoViewIfNeeded();
  await shot(page, 'karpenter-card-edited-pool');
  await expectAccessible(
    page,
    'the Karpenter card with an edited customer NodePool',
    '[data-testid="karpenter"]',
  );

  // Intelligent Autoscaling on without a node template: the card says it is on once, then why nothing
  // is rendered.
  const current = await (await page.request.get('/api/client/policy', { headers })).json();
  const policy = structuredClone(current.policy);
  policy.infrastructure.autoscaling = {
    ...policy.infrastructure.autoscaling,
    enabled: true,
    nodeTemplateId: null,
  };
  const saved = await page.request.put('/api/client/policy', {
    headers,
    data: { version: current.version, policy },
  });
  expect(saved.status(), await saved.text()).toBe(200);
  await page.reload();
  const status2 = page.getByTestId('karpenter').getByTestId('karpenter-status');
  await expect(status2).toHaveText(
    'Intelligent Autoscaling is on. No node template bounds it: choose one in the policy (or set a default template) so Spot Optimizer can render its NodePool.',
  );
  await status2.scrollIntoViewIfNeeded();
  await shot(page, 'karpenter-card-no-template');
});
