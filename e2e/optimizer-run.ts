import { expect, type Page } from '@playwright/test';
import { apiCall, expectAccessible, screenshotter } from './helpers';

/**
 * Issue 14 item 9 in the browser, on the sandbox (the dashboard spec's account, as its last test: a run
 * drains and removes nodes of a cluster the earlier tests read): the dry run, then "Start now", the
 * Activity view with the run in flight and its first node done with its result and realized saving, then
 * the maintenance switch in the cluster header pausing the run, audited. Kept short: the run is paused
 * after one node, however many the plan has.
 */

const shot = screenshotter('optimizer-');

interface PlanStep {
  node: string;
  wave: number;
  pods: unknown[];
}

async function planOf(page: Page, clusterId: string) {
  const plan = await apiCall(page, `/api/client/clusters/${clusterId}/consolidation`, {
    method: 'POST',
    body: { dryRun: true },
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(200);
  return plan.body.steps as PlanStep[];
}

/** The cluster's own policy override with aggressive bin-packing (a new, audited policy version). */
async function makeAggressive(page: Page, clusterId: string) {
  const current = await apiCall(page, `/api/client/clusters/${clusterId}/policy`);
  expect(current.status).toBe(200);
  const policy = current.body.policy as { infrastructure?: { binPacking?: Record<string, unknown> } };
  const saved = await apiCall(page, `/api/client/clusters/${clusterId}/policy`, {
    method: 'PUT',
    body: {
      version: current.body.version,
      policy: {
        ...policy,
        infrastructure: {
          ...policy.infrastructure,
          binPacking: { ...policy.infrastructure?.binPacking, aggressiveness: 'aggressive' },
        },
      },
    },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
}

/**
 * The cluster whose plan's first node is the quickest to drain (fewest pods), among those with a plan and
 * no hibernation schedule (the earlier hibernation tests give some clusters one, which may put them to
 * sleep during the run). Under the default (balanced) policy the sandbox account may have nothing to
 * remove; then clusters are made aggressive, one at a time, until one has a plan.
 */
async function quickestCluster(page: Page) {
  const [list, fleet] = await Promise.all([
    apiCall(page, '/api/client/clusters?limit=100'),
    apiCall(page, '/api/client/hibernation'),
  ]);
  expect(list.status).toBe(200);
  const scheduled = new Set(
    (fleet.body.items as { clusterId: string; configured: boolean; status: { actual: string | null } }[])
      .filter((c) => c.configured || c.status.actual === 'sleeping')
      .map((c) => c.clusterId),
  );
  const clusters = (list.body.items as { id: string; name: string }[])
    .map((c) => ({ clusterId: c.id, name: c.name }))
    .filter((c) => !scheduled.has(c.clusterId));
  let best: { clusterId: string; name: string; first: PlanStep } | null = null;
  for (const c of clusters) {
    const first = (await planOf(page, c.clusterId))[0];
    if (first && (!best || first.pods.length < best.first.pods.length)) best = { ...c, first };
  }
  for (const c of clusters) {
    if (best) break;
    await makeAggressive(page, c.clusterId);
    const first = (await planOf(page, c.clusterId))[0];
    if (first) best = { ...c, first };
  }
  expect(best, `a consolidation plan on one of ${clusters.length} sandbox clusters`).not.toBeNull();
  return best as NonNullable<typeof best>;
}

export async function consolidationRunFromTheUi(page: Page) {
  await page.setViewportSize({ width: 1440, height: 900 });
  const cluster = await quickestCluster(page);
  await page.goto(`/clusters/${cluster.clusterId}`);
  await expect(page.getByTestId('cluster-header')).toContainText(cluster.name);
  const activity = page.getByTestId('activity');
  await expect(activity.getByRole('heading', { name: 'Activity', level: 2 })).toBeVisible();

  // Automation waits for a dry run: the switch is off and disabled (no tabindex) until the preview.
  const automation = activity.getByTestId('automation-switch');
  await expect(automation).toHaveAttribute('aria-checked', 'false');
  await expect(automation).not.toHaveAttribute('tabindex', '0');
  const start = activity.getByTestId('start-consolidation');
  await expect(start).toBeDisabled();

  // The dry run, from the keyboard; then the switch and Start now can be reached.
  await activity.getByTestId('preview-consolidation').focus();
  await page.keyboard.press('Enter');
  const preview = activity.getByTestId('consolidation-preview');
  await expect(preview.getByRole('heading', { name: 'Consolidation preview (dry run)' })).toBeFocused({
    timeout: 30_000,
  });
  await expect(preview.getByTestId('plan-steps')).toContainText(cluster.first.node);
  await expect(automation).toHaveAttribute('tabindex', '0');
  await expect(start).toBeEnabled();

  // Start now (Enter on the focused button): the preview gives way to the run's progress.
  await start.focus();
  await page.keyboard.press('Enter');
  const progress = activity.getByTestId('run-progress');
  await expect(progress).toContainText('Run in progress', { timeout: 30_000 });
  await expect(preview).toHaveCount(0);
  const table = activity.getByTestId('activity-table');
  const firstRow = table.locator('tbody tr').filter({ hasText: cluster.first.node });
  await expect(firstRow).toBeVisible();
  await expect(firstRow).toContainText(/Waiting|Draining|Terminating/);
  await shot(page, '01-in-flight');
  await expectAccessible(page, 'the Activity view with a run in flight', '[data-testid="activity"]');

  // The first node: cordoned, drained through the sandbox agent, terminated through its owner. The list
  // refreshes by itself (every 5 s while a node is in flight): done, with its result and realized saving.
  await expect(firstRow).toContainText('Done', { timeout: 240_000 });
  const cells = firstRow.locator('td');
  await expect(cells.nth(3)).not.toHaveText('…');
  const realized = (await cells.nth(5).textContent())?.trim() ?? '';
  expect(realized).toMatch(/^\$[\d,.]+$/);
  expect(Number(realized.replaceAll(/[$,]/g, ''))).toBeGreaterThan(0);
  await firstRow.scrollIntoViewIfNeeded();
  await shot(page, '02-first-node-done');

  // The maintenance switch in the header pauses everything at once: a run with nodes left stops with the
  // reason; a finished run stays finished. Switched from the keyboard, confirmed, then audited.
  const toggle = page.getByTestId('maintenance-switch');
  await expect(toggle).toHaveAttribute('tabindex', '0', { timeout: 30_000 });
  await toggle.focus();
  await page.keyboard.press('Space');
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText('the optimizer sends no command');
  await confirm.getByRole('button', { name: 'Start maintenance' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('maintenance')).toContainText('Automation paused');
  await expect(progress).toContainText('Run finished', { timeout: 120_000 });
  const rows = await table.locator('tbody tr').count();
  // Every node of the run is closed: none is left waiting, draining or terminating.
  await expect(table.locator('tbody tr').filter({ hasText: /Waiting|Draining|Terminating/ })).toHaveCount(0);
  expect(rows).toBeGreaterThanOrEqual(1);
  await shot(page, '03-paused');
  await expectAccessible(page, 'the cluster page in maintenance after a run', 'main');

  // Audited: the person's switch, the optimizer's node removal (actor "system: optimizer") and the run's end.
  const audit = async (event: string) =>
    (
      await apiCall(
        page,
        `/api/client/audit?event=${encodeURIComponent(event)}&target=${encodeURIComponent(cluster.clusterId)}`,
      )
    ).body.items as { actorName: string; outcome: string; after: unknown }[];
  const switched = await audit('cluster.maintenance.update');
  expect(switched[0]?.after).toMatchObject({ enabled: true });
  const removed = await audit('consolidation.node.remove');
  expect(removed.some((r) => r.actorName === 'system: optimizer' && r.outcome === 'success')).toBe(true);
  const ended = await audit('consolidation.run.');
  expect(ended.length).toBeGreaterThanOrEqual(1);

  // Maintenance off again: the page says so (the run does not resume by itself).
  await toggle.focus();
  await page.keyboard.press('Space');
  await page.getByRole('dialog').getByRole('button', { name: 'End maintenance' }).click();
  await expect(page.getByTestId('maintenance')).toContainText('Maintenance off');
}
