import { expect, type Page, test } from '@playwright/test';
import { nodesRangeText, podsRangeText, sparklinePoints } from '../web/src/lib/cluster-registry-display';
import { expectAccessible, newUser, screenshotter, signUp } from './helpers';

/**
 * The Multi-Cluster Command Center (issue 17): status bar, search, a quick-filter pill, server-side sort,
 * selection + compare, a bulk apply where one cluster fails (reported per cluster), keyboard use and axe.
 * Its own organization, its fleet written straight to the local stack's table through the test-only
 * fixture (`local/src/registry-fixture.ts`): no sandbox account is connected (accounts 0 and 1 belong to
 * other specs).
 */
const shot = screenshotter('clusters-registry-');
const user = newUser('Registry');

const accessToken = (page: Page) =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } })
      .localStorage;
    const raw = storage.getItem('spot.session');
    return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : '';
  });

/** Twelve clusters with known names, tags and costs (env tag, team tag), the rest generated. */
const fleet: {
  name: string;
  env: string;
  team: string;
  cost: number;
  version?: string;
  p99Ms?: number;
  agentVersion?: string;
  /** The last snapshot's control-plane error ratio (ADR 0086); null: an agent older than the figure. */
  errorRatio?: number | null;
  findings?: { driftNodes: number | null; driftTypes: string[]; failing: [string, number, number][] };
}[] = [
  {
    name: 'payments-prod',
    env: 'prod',
    team: 'checkout',
    cost: 9100,
    p99Ms: 1800,
    errorRatio: 0.03,
    // What its last snapshot's Compliance & Drift tab found (ADR 0068): a privileged Deployment, 2 GPU nodes.
    findings: { driftNodes: 2, driftTypes: ['p3.2xlarge'], failing: [['4.2.1', 1, 3]] },
  },
  { name: 'payments-staging', env: 'staging', team: 'checkout', cost: 2100 },
  { name: 'payments-dev', env: 'dev', team: 'checkout', cost: 700 },
  { name: 'search-prod', env: 'prod', team: 'discovery', cost: 6400, version: '1.29' },
  { name: 'search-staging', env: 'staging', team: 'discovery', cost: 1500 },
  { name: 'search-dev', env: 'dev', team: 'discovery', cost: 500 },
  // Its agent runs an older release: drift until the bulk Upgrade agent of step 6b rolls it out.
  { name: 'data-prod', env: 'prod', team: 'analytics', cost: 7300, p99Ms: 2600, agentVersion: '0.0.9' },
  { name: 'ml-staging', env: 'staging', team: 'analytics', cost: 3300, errorRatio: null },
  { name: 'data-dev', env: 'dev', team: 'analytics', cost: 900 },
  { name: 'web-prod', env: 'prod', team: 'frontend', cost: 5200 },
  { name: 'web-staging', env: 'staging', team: 'frontend', cost: 1200 },
  { name: 'web-dev', env: 'dev', team: 'frontend', cost: 400 },
];

async function seedFleet(orgId: string): Promise<Record<string, string>> {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: 'spot-optimizer-local',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${Number(process.env.E2E_DYNAMODB_PORT ?? 8310)}`,
  });
  const { seedRegistryFleet } = await import('../local/src/registry-fixture');
  const seeded = await seedRegistryFleet(orgId, fleet.length, {
    seed: 5,
    accountId: 'acct-registry-e2e',
    overrides: Object.fromEntries(
      fleet.map((c, i) => [
        i,
        {
          name: c.name,
          tags: { env: c.env, team: c.team },
          monthlyRunRateUsd: c.cost,
          version: c.version ?? '1.33',
          contactMinutesAgo: 2,
          ...(c.findings ? { findings: c.findings } : {}),
          ...(c.agentVersion ? { agentVersion: c.agentVersion } : {}),
          p99Ms: c.p99Ms ?? 250,
          errorRatio: c.errorRatio === undefined ? 0 : c.errorRatio,
        },
      ]),
    ),
  });
  return Object.fromEntries(seeded.map((s) => [s.name, s.clusterId]));
}

const grid = (page: Page) => page.getByRole('table', { name: 'Clusters' });
const rowNames = (page: Page) => grid(page).locator('[role="row"] .name').allInnerTexts();

interface ApiRow {
  id: string;
  name: string;
  nodes24h: (number | null)[];
  pods24h: (number | null)[];
  health: { score: number; status: string };
}

/**
 * Each row the grid shows draws its own data: the 24 h node and pod sparklines are the row's points (and
 * say its range in words), the health gauge's arc and number are its score.
 */
async function expectRowsDrawn(page: Page, rows: readonly ApiRow[]): Promise<void> {
  for (const r of rows) {
    const row = grid(page).locator('[role="row"]', {
      has: page.getByRole('link', { name: r.name, exact: true }),
    });
    const nodes = row.getByTestId('nodes-sparkline');
    const expectedNodes = sparklinePoints(r.nodes24h, 72, 20);
    expect(expectedNodes, `${r.name} has 24 h of node counts`).not.toBe('');
    await expect(nodes).toBeVisible();
    await expect(nodes.locator('polyline')).toHaveAttribute('points', expectedNodes);
    await expect(row.getByTestId('nodes-range')).toHaveText(nodesRangeText(r.nodes24h));
    await expect(row.getByTestId('pods-sparkline').locator('polyline')).toHaveAttribute(
      'points',
      sparklinePoints(r.pods24h, 72, 20),
    );
    await expect(row.getByTestId('pods-range')).toHaveText(podsRangeText(r.pods24h));
    const gauge = row.getByTestId('health-gauge');
    await expect(gauge).toBeVisible();
    await expect(gauge.locator('circle.arc')).toHaveAttribute(
      'stroke-dasharray',
      `${(r.health.score / 100) * 87.96} 87.96`,
    );
    await expect(row.getByTestId('health-score')).toHaveText(`${r.health.score} of 100, ${r.health.status}`);
  }
}

test.describe
  .serial('multi-cluster command center', () => {
    test('status bar, search, pills, sort, compare, a bulk apply with one failure, keyboard and axe', async ({
      page,
    }) => {
      test.setTimeout(180_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, user);
      await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      const token = await accessToken(page);
      const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
      const ids = await seedFleet(String((await me.json()).orgId));

      // 1. The registry and its status bar.
      await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
      await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
      await expect(page.getByTestId('status-clusters')).toHaveText('12');
      const alerts = page.getByRole('heading', { name: 'Critical alerts' }).locator('..');
      await expect(alerts).toContainText('2 clusters have API high latency');
      await expect(alerts).toContainText('Rule: API server p99 latency above its objective');
      // The default order is the highest cost first.
      await expect
        .poll(() => rowNames(page))
        .toEqual([...fleet].sort((a, b) => b.cost - a.cost).map((c) => c.name));
      await expect(grid(page).locator('.badge', { hasText: 'EOL' })).toBeVisible();
      // The identity column's provider is an icon with an accessible name, one per row shown.
      const icons = grid(page).getByRole('img', { name: 'Amazon EKS', exact: true });
      await expect(icons.first()).toBeVisible();
      expect(await icons.count()).toBe((await rowNames(page)).length);
      await shot(page, 'registry');
      await expectAccessible(page, 'the cluster registry');

      // The region cell shows the zones in use on hover and on keyboard focus; they stay while the pointer
      // is on them, and Escape hides them (WCAG 1.4.13).
      const listed = await page.request.get('/api/client/clusters?limit=50', {
        headers: { authorization: `Bearer ${token}` },
      });
      const listedItems = (await listed.json()).items as {
        name: string;
        zones: string[];
        podCount: number;
        eks: { status: string; extendedSupportExtraMonthlyUsd: number };
      }[];
      const dataProd = listedItems.find((c) => c.name === 'data-prod');
      expect(dataProd?.zones.length).toBeGreaterThan(1);
      const rowOf = (name: string) =>
        grid(page).locator('[role="row"]', { has: page.getByRole('link', { name, exact: true }) });
      // The health gauge's factors (ADR 0086): payments-prod's p99 of 1800 ms scores 13, its 3 % of failed
      // API requests 40, its heartbeat 100: 47. ml-staging's agent predates the error figure.
      const healthCell = (name: string) => rowOf(name).locator('[role="cell"][title^="Health "]');
      await expect(healthCell('payments-prod')).toHaveAttribute(
        'title',
        /^Health 47\/100 — API latency 13 \(p99 1800 ms\), control-plane errors 40 \(3 % of API requests failed\), agent heartbeat 100 /,
      );
      await expect(healthCell('payments-prod').locator('.score')).toHaveText('47 of 100, degraded');
      await expect(healthCell('ml-staging')).toHaveAttribute('title', /control-plane errors not measured/);

      // What extended support adds is on the row, not only in the badge's tooltip (the API's own figure).
      const extra = rowOf('data-prod').getByTestId('extended-support-cost');
      if (dataProd?.eks.status === 'extended-support')
        await expect(extra).toHaveText(
          `+$${dataProd.eks.extendedSupportExtraMonthlyUsd}/mo for extended support`,
        );
      else await expect(extra).toHaveCount(0);
      const region = rowOf('data-prod').getByTestId('region-zones');
      const tip = page.locator(`[id="${await region.getAttribute('aria-describedby')}"]`);
      await expect(tip).toBeHidden();
      await region.hover();
      await expect(tip).toBeVisible();
      await expect(tip).toHaveText(`Zones: ${dataProd?.zones.join(', ')}`);
      await tip.hover();
      await expect(tip).toBeVisible();
      await shot(page, 'region-zones');
      await page.keyboard.press('Escape');
      await expect(tip).toBeHidden();
      await page.mouse.move(0, 0);
      await rowOf('data-prod').getByRole('link', { name: 'data-prod', exact: true }).focus();
      await page.keyboard.press('Tab');
      await expect(region).toBeFocused();
      await expect(tip).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(tip).toBeHidden();
      await expect(region).toBeFocused();
      await page.keyboard.press('Tab');

      // 2. Search by a tag value, then clear it.
      const search = page.getByRole('searchbox', { name: /Search clusters/ });
      await search.fill('analytics');
      await expect.poll(() => rowNames(page)).toEqual(['data-prod', 'ml-staging', 'data-dev']);
      await search.fill('');
      await expect.poll(async () => (await rowNames(page)).length).toBe(12);

      // 2b. The pills Healthy, Degraded and Top 10% spenders, each by keyboard: the rows are the API's
      // answer to the same filter (in the page's order, highest cost first), each drawing its own
      // sparklines and health gauge.
      const filtered = async (filter: string): Promise<ApiRow[]> => {
        const res = await page.request.get(
          `/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&${filter}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        expect(res.status()).toBe(200);
        return (await res.json()).items as ApiRow[];
      };
      const shown: Record<string, string[]> = {};
      for (const [pill, filter, key] of [
        ['Healthy', 'health=healthy', 'Space'],
        ['Degraded', 'health=degraded', 'Enter'],
        ['Top 10% spenders', 'topSpenders=true', 'Space'],
      ] as const) {
        const expected = await filtered(filter);
        expect(expected.length, `the API's ${filter} answer`).toBeGreaterThan(0);
        const button = page.getByRole('button', { name: pill, exact: true });
        await button.focus();
        await page.keyboard.press(key);
        await expect(button).toHaveAttribute('aria-pressed', 'true');
        await expect.poll(() => rowNames(page)).toEqual(expected.map((r) => r.name));
        // The links are the API's clusters (ids, not only names).
        const hrefs = await grid(page)
          .locator('[role="row"] a.name')
          .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
        expect(hrefs).toEqual(expected.map((r) => `/clusters/${r.id}`));
        await expectRowsDrawn(page, expected);
        shown[pill] = expected.map((r) => r.name);
        await shot(page, `pill-${pill.split(' ')[0]?.toLowerCase()}`);
        await page.keyboard.press(key);
        await expect(button).toHaveAttribute('aria-pressed', 'false');
        await expect.poll(async () => (await rowNames(page)).length).toBe(12);
      }
      // Healthy and Degraded split the fleet; the top 10 % of 12 clusters by cost is the most expensive.
      expect([...(shown.Healthy ?? []), ...(shown.Degraded ?? [])].sort()).toEqual(
        fleet.map((c) => c.name).sort(),
      );
      expect(shown['Top 10% spenders']?.[0]).toBe('payments-prod');
      await expectAccessible(page, 'the registry after the pills');

      // 3. A quick-filter pill: Prod only.
      await page.getByRole('button', { name: 'Prod', exact: true }).click();
      await expect(page.getByRole('button', { name: 'Prod', exact: true })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
      await expect
        .poll(() => rowNames(page))
        .toEqual(['payments-prod', 'data-prod', 'search-prod', 'web-prod']);
      await expect(page.getByRole('button', { name: /GKE/ })).toBeDisabled();

      // 4. Sort on the server: by name (ascending), again for descending.
      await page.getByRole('button', { name: 'Cluster', exact: true }).click();
      await expect
        .poll(() => rowNames(page))
        .toEqual(['data-prod', 'payments-prod', 'search-prod', 'web-prod']);
      await expect(page.getByRole('columnheader', { name: 'Cluster', exact: true })).toHaveAttribute(
        'aria-sort',
        'ascending',
      );
      await page.getByRole('button', { name: 'Cluster', exact: true }).click();
      await expect
        .poll(() => rowNames(page))
        .toEqual(['web-prod', 'search-prod', 'payments-prod', 'data-prod']);
      // The pods of the fleet-size column sort too, by keyboard: most pods first, the server's order.
      await page.getByRole('button', { name: 'Sort by pods' }).focus();
      await page.keyboard.press('Enter');
      await expect(page.getByRole('columnheader', { name: 'Nodes / pods', exact: true })).toHaveAttribute(
        'aria-sort',
        'descending',
      );
      await expect(page.getByRole('button', { name: 'Sort by pods, sorted descending' })).toBeVisible();
      const podsOf = (name: string) => listedItems.find((c) => c.name === name)?.podCount ?? -1;
      const prodByPods = ['payments-prod', 'data-prod', 'search-prod', 'web-prod'].sort(
        (x, y) => podsOf(y) - podsOf(x),
      );
      await expect.poll(async () => (await rowNames(page)).map(podsOf)).toEqual(prodByPods.map(podsOf));
      await shot(page, 'sorted-by-pods');

      // 5. Select two and compare them side by side.
      await page.getByRole('checkbox', { name: 'Select data-prod' }).check();
      await page.getByRole('checkbox', { name: 'Select search-prod' }).check();
      await expect(page.getByText('2 selected')).toBeVisible();
      await page.getByRole('button', { name: 'Compare', exact: true }).click();
      const compare = page.getByRole('dialog');
      await expect(compare.getByRole('columnheader', { name: 'data-prod' })).toBeVisible();
      await expect(compare.getByRole('rowheader', { name: /Kubernetes version \(differs\)/ })).toBeVisible();
      await expect(compare.getByRole('rowheader', { name: 'Environment', exact: true })).toBeVisible();
      // What each is set up with: no template, policy or schedule saved in this organization yet.
      await expect(compare.getByRole('row', { name: /^Node template/ })).toHaveText(
        /Node template\s*None\s*None/,
      );
      await shot(page, 'compare');
      await expectAccessible(page, 'the compare dialog');
      await page.keyboard.press('Escape');
      await expect(compare).toBeHidden();

      // 6. A bulk apply where one cluster fails: web-prod is in maintenance mode.
      const maintenance = await page.request.put(`/api/client/clusters/${ids['web-prod']}/maintenance`, {
        headers: { authorization: `Bearer ${token}` },
        data: { enabled: true, reason: 'control plane upgrade' },
      });
      expect(maintenance.status()).toBe(200);
      await page.getByRole('checkbox', { name: 'Select web-prod' }).check();
      await page.getByRole('button', { name: 'Apply policy' }).click();
      const apply = page.getByRole('dialog');
      await apply.getByRole('radio', { name: 'Prefer spot instances' }).check();
      await apply.getByRole('button', { name: 'Apply to 3' }).click();
      const results = page.getByRole('dialog', { name: 'Bulk action results' });
      await expect(results.getByRole('status')).toHaveText('2 succeeded, 1 failed.');
      const failed = results.getByRole('row', { name: /web-prod/ });
      await expect(failed).toContainText('Failed');
      await expect(failed).toContainText('maintenance mode');
      await expect(results.getByRole('row', { name: /data-prod/ })).toContainText('Succeeded');
      await shot(page, 'bulk-results');
      await expectAccessible(page, 'the bulk results');
      await page.keyboard.press('Escape');
      await expect(results).toBeHidden();
      // Each cluster's change is its own audit record.
      const audit = await page.request.get('/api/client/audit?limit=50', {
        headers: { authorization: `Bearer ${token}` },
      });
      const records = (
        (await audit.json()).items as { action: string; target: string; outcome: string }[]
      ).filter((r) => r.action === 'policy.update');
      expect(records.map((r) => `${r.target} ${r.outcome}`).sort()).toEqual(
        [
          `cluster/${ids['data-prod']} success`,
          `cluster/${ids['search-prod']} success`,
          `cluster/${ids['web-prod']} failed`,
        ].sort(),
      );

      // 6b. Upgrade agent queues: data-prod's agent (write mode: it has polled) gets the command,
      // search-prod has no agent taking commands, web-prod is still in maintenance. data-prod's agent runs
      // 0.0.9: the shield says drift until the upgrade is rolled out.
      const agentDrift = 'Drift: The agent runs 0.0.9; 0.1.0 is current (Upgrade agent).';
      const checksOf = page.getByRole('list', { name: 'Compliance checks of data-prod' });
      const toggleChecks = () => page.getByRole('button', { name: /: checks of data-prod$/ }).click();
      await toggleChecks();
      await expect(checksOf).toContainText(agentDrift);
      await toggleChecks();
      await expect(checksOf).toBeHidden();
      const auth = { authorization: `Bearer ${token}` };
      const issued = await page.request.post(`/api/client/clusters/${ids['data-prod']}/agent-token`, {
        headers: auth,
      });
      expect(issued.status()).toBe(201);
      const agentToken = String((await issued.json()).token);
      const agentAuth = { authorization: `Bearer ${agentToken}` };
      expect((await page.request.get('/api/agent/commands', { headers: agentAuth })).status()).toBe(200);
      await page.getByRole('button', { name: 'Upgrade agent' }).click();
      const upgrade = page.getByRole('dialog');
      await expect(upgrade).toContainText('sets its own Deployment');
      await upgrade.getByRole('button', { name: 'Apply to 3' }).click();
      await expect(results.getByRole('status')).toHaveText('0 succeeded, 1 queued, 2 failed.');
      const queued = results.getByRole('row', { name: /data-prod/ });
      await expect(queued).toContainText('Queued');
      await expect(queued).toContainText('its answer shows under Agent upgrades');
      await expect(results.getByRole('row', { name: /search-prod/ })).toContainText(
        'Or upgrade it yourself: helm upgrade spot-optimizer-agent http',
      );
      await shot(page, 'bulk-upgrade-queued');
      await expectAccessible(page, 'the queued upgrade');
      await page.keyboard.press('Escape');
      await expect(results).toBeHidden();
      // data-prod's agent: the real command runner (0.0.9) polls over HTTP and patches its Deployment,
      // modelled here; then the pod the rollout starts (the real agent at 0.1.0) sends its heartbeat.
      const origin = new URL(page.url()).origin;
      const { CommandRunner } = await import('../agent/src/commands');
      const { Agent } = await import('../agent/src/agent');
      const deployment = { image: 'ghcr.io/spot-optimizer/spot-optimizer-agent:0.0.9', patches: 0 };
      const executor = new Proxy(
        {
          agentDeployment: async () => ({ image: deployment.image, annotations: {} }),
          setAgentImage: async (_d: unknown, image: string) => {
            deployment.image = image;
            deployment.patches++;
          },
        },
        {
          get: (target, call) =>
            call in target
              ? target[call as keyof typeof target]
              : () => Promise.reject(new Error(String(call))),
        },
      ) as unknown as ConstructorParameters<typeof CommandRunner>[1]['executor'];
      const runner = new CommandRunner(
        { apiUrl: origin, token: agentToken, writeMode: true, version: '0.0.9' },
        { executor, fetch: globalThis.fetch, log: () => {} },
      );
      expect(await runner.pollOnce()).toMatchObject({ ok: true, ran: 1, reported: 1 });
      expect(deployment).toEqual({ image: 'ghcr.io/spot-optimizer/spot-optimizer-agent:0.1.0', patches: 1 });
      const newPod = new Agent(
        {
          apiUrl: origin,
          token: agentToken,
          clusterName: 'data-prod',
          snapshotIntervalMs: 300_000,
          heartbeatIntervalMs: 30_000,
          healthPort: 0,
          kubeconfig: undefined,
          writeMode: false,
          commandPollIntervalMs: 15_000,
          version: deployment.image.split(':').at(-1) ?? '',
        },
        {
          collect: () => Promise.reject(new Error('a heartbeat reads nothing')),
          fetch: globalThis.fetch,
          now: () => new Date(),
          sleep: async () => {},
          log: () => {},
        },
      );
      expect(await newPod.heartbeat()).toMatchObject({ ok: true });

      // 7. Keyboard only: a pill off with Space, a sort with Enter, a row selected with Space.
      await page.getByRole('button', { name: 'Clear selection' }).click();
      await page.getByRole('button', { name: 'Prod', exact: true }).focus();
      await page.keyboard.press('Space');
      await expect(page.getByRole('button', { name: 'Prod', exact: true })).toHaveAttribute(
        'aria-pressed',
        'false',
      );
      await page.getByRole('button', { name: 'Monthly cost' }).focus();
      await page.keyboard.press('Enter');
      await expect(page.getByRole('columnheader', { name: 'Monthly cost', exact: true })).toHaveAttribute(
        'aria-sort',
        'descending',
      );
      await expect.poll(async () => (await rowNames(page))[0]).toBe('payments-prod');
      // The list read after the heartbeat: data-prod's agent is current, its drift gone.
      await toggleChecks();
      await expect(checksOf).toBeVisible();
      await expect(checksOf).not.toContainText('The agent runs');
      await shot(page, 'agent-upgraded-checks');
      await toggleChecks();
      await expect(checksOf).toBeHidden();
      await page.getByRole('checkbox', { name: 'Select payments-prod' }).focus();
      await page.keyboard.press('Space');
      await expect(page.getByText('1 selected')).toBeVisible();
      await page.keyboard.press('Tab');
      await expect(page.getByRole('link', { name: 'payments-prod' })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(new RegExp(`/clusters/${ids['payments-prod']}`));

      // 8. A row's menu opens the cluster's own audit log, policy and activity (each scoped to it).
      const fromMenu = async (entry: string) => {
        await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
        await expect.poll(async () => (await rowNames(page)).length).toBe(12);
        await page.getByRole('button', { name: 'More actions for data-prod' }).click();
        await page.getByText(entry, { exact: true }).click();
      };
      await fromMenu('Audit log of the cluster');
      await expect(
        page.getByRole('heading', { level: 1, name: 'Audit Logs & Compliance Center' }),
      ).toBeVisible();
      await expect(page.getByLabel('Target')).toHaveValue(`cluster/${ids['data-prod']}`);
      // Only data-prod's records (search-prod's and web-prod's are filtered out): the bulk apply, its agent
      // token, the bulk upgrade, the agent's answer to it and the new pod's first push (agent connected).
      const trail = page.getByTestId('audit-table').getByRole('row');
      await expect(trail).toHaveCount(6);
      for (const event of [
        'Modified Policy',
        'Issued Agent Token',
        'Cluster Agent Upgrade',
        'Cluster Command Result',
        'Agent Pushed Snapshot',
      ])
        await expect(trail.filter({ hasText: event })).toHaveCount(1);
      await expect(trail.nth(1)).toContainText(ids['data-prod'] ?? 'missing id');
      await fromMenu('Settings (policy)');
      await expect(page.getByRole('heading', { level: 1, name: 'Optimization Policies' })).toBeVisible();
      await expect(page.getByTestId('scope-cluster')).toContainText('data-prod');
      await fromMenu('Logs (activity)');
      await expect(page).toHaveURL(new RegExp(`/clusters/${ids['data-prod']}$`));
      await expect(page.getByRole('heading', { level: 2, name: 'Activity' })).toBeAttached();
      // The queued upgrade's answer is where the bulk result said: done, rolling out, honest about Helm.
      const upgrades = page.getByTestId('agent-upgrades');
      await expect(upgrades.getByRole('heading', { level: 3, name: 'Agent upgrades' })).toBeVisible();
      await expect(upgrades.getByRole('row').nth(1)).toContainText('Done');
      await expect(upgrades.getByRole('row').nth(1)).toContainText(
        "rolling out 0.1.0 (Deployment spot-optimizer/spot-optimizer-agent now names ghcr.io/spot-optimizer/spot-optimizer-agent:0.1.0); the new pod's heartbeat will report it.",
      );
      await expect(upgrades.getByRole('row').nth(1)).toContainText('--set image.tag=0.1.0');
      await upgrades.scrollIntoViewIfNeeded();
      await shot(page, 'agent-upgrade-answer');
      await expectAccessible(page, 'the agent upgrades');

      // 9. The shield lists its checks, the Compliance & Drift findings among them, and opens that tab.
      await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
      await expect.poll(async () => (await rowNames(page)).length).toBe(12);
      await page.getByRole('button', { name: 'Violations: checks of payments-prod' }).click();
      const checks = page.getByRole('list', { name: 'Compliance checks of payments-prod' });
      await expect(checks).toContainText(
        'Violation: CIS 4.2.1 Minimize the admission of privileged containers: Privileged containers in 3 pods of 1 workload.',
      );
      // Violations first: the drift is the last line.
      await expect(checks.getByRole('listitem').last()).toHaveText(
        'Drift: 2 nodes run types the node template forbids: p3.2xlarge.',
      );
      await shot(page, 'shield');
      await expectAccessible(page, 'the shield’s checks');
      await page.getByRole('link', { name: 'Open Compliance & Drift' }).click();
      await expect(page).toHaveURL(new RegExp(`/clusters/${ids['payments-prod']}\\?tab=compliance$`));
      await expect(page.getByRole('tab', { name: 'Compliance & Drift' })).toHaveAttribute(
        'aria-selected',
        'true',
      );
    });
  });
