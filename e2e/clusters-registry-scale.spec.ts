import { expect, type Locator, type Page, test } from '@playwright/test';
import { expectAccessible, newUser, screenshotter, signUp } from './helpers';

/**
 * The registry grid at the scale issue 17 names: 500 clusters in one organization. Only a window of rows
 * is in the DOM (virtualized); scrolling to the end pages through the API's cursor; the sort and the
 * search run on the server across every page; a row far down is reached and managed from the keyboard;
 * axe on the full grid. The fleet is written straight to the local stack's table by the test-only fixture
 * (`local/src/registry-fixture.ts`), as the registry spec and the registry bench do, with names and costs
 * the test computes: no sandbox account is connected.
 */
const shot = screenshotter('clusters-registry-scale-');
const user = newUser('Registry Scale');

const clusterCount = 500;
const pageSize = 50;
// Words without a hex letter run, so a search for one never matches a cluster id (`eks-<hex>`).
const animals = ['heron', 'otter', 'lynx', 'bison', 'crane', 'moose', 'viper'] as const;
const environments = ['prod', 'staging', 'dev'] as const;
/** Cluster i: its animal by i mod 7, its environment by i mod 3, a distinct cost (7919 is prime to 500). */
const fleet = Array.from({ length: clusterCount }, (_, i) => ({
  name: `${animals[i % animals.length]}-${String(i).padStart(3, '0')}`,
  env: environments[i % environments.length] as string,
  cost: 1000 + ((i * 7919) % clusterCount) * 10,
}));
const byCostDesc = [...fleet].sort((a, b) => b.cost - a.cost);

async function seedFleet(orgId: string): Promise<Record<string, string>> {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: 'spot-optimizer-local',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${Number(process.env.E2E_DYNAMODB_PORT ?? 8310)}`,
  });
  const { seedRegistryFleet } = await import('../local/src/registry-fixture');
  const seeded = await seedRegistryFleet(orgId, clusterCount, {
    seed: 11,
    accountId: 'acct-registry-scale-e2e',
    overrides: Object.fromEntries(
      fleet.map((c, i) => [
        i,
        {
          name: c.name,
          tags: { env: c.env, team: 'core' },
          monthlyRunRateUsd: c.cost,
          version: '1.33',
          contactMinutesAgo: 2,
          p99Ms: 250,
        },
      ]),
    ),
  });
  return Object.fromEntries(seeded.map((s) => [s.name, s.clusterId]));
}

const grid = (page: Page) => page.getByRole('table', { name: 'Clusters' });
/** The data rows in the DOM (the header row is the table's first row). */
const dataRows = (page: Page) => grid(page).locator('[role="rowgroup"] [role="row"]:not(.head)');
/** The names of the rows in the DOM, in the order of their place in the list (aria-rowindex). */
const renderedNames = async (page: Page) => {
  const rows = await dataRows(page).evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('aria-rowindex')),
      name: el.querySelector('.name')?.textContent?.trim() ?? '',
    })),
  );
  return rows.sort((a, b) => a.index - b.index).map((r) => r.name);
};
/** The line under the filters: "500 clusters, 50 loaded" while pages remain, "500 clusters" after. */
const countLine = (page: Page) => page.getByText(/^\d+ clusters?(, \d+ loaded)?$/);

/** Wheels the grid down until the count line says every row is loaded. */
async function scrollToEnd(page: Page, viewport: Locator, total: number) {
  await viewport.hover();
  await expect
    .poll(
      async () => {
        await page.mouse.wheel(0, 6000);
        return (await countLine(page).textContent())?.trim();
      },
      { timeout: 60_000, intervals: [300], message: `every one of ${total} rows loaded by scrolling` },
    )
    .toBe(`${total} clusters`);
  // The last page's rows were appended below: wheel once more to the very bottom.
  await expect
    .poll(async () => {
      await page.mouse.wheel(0, 6000);
      return viewport.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 1);
    })
    .toBe(true);
}

test.describe
  .serial('the registry grid at 500 clusters', () => {
    test('virtualized rows, cursor paging to the end, server sort and search across pages, keyboard, axe', async ({
      page,
    }) => {
      test.setTimeout(240_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, user);
      await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      const token = await page.evaluate(() => {
        const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } })
          .localStorage;
        return (JSON.parse(storage.getItem('spot.session') ?? '{}') as { accessToken?: string }).accessToken;
      });
      const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
      const ids = await seedFleet(String((await me.json()).orgId));

      // Every list request the grid sends, to see the cursor travel.
      const listRequests: URL[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname === '/api/client/clusters') listRequests.push(url);
      });

      // 1. The first page: 500 in all, 50 loaded, and only a window of them in the DOM.
      await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
      await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
      await expect(countLine(page)).toHaveText(`${clusterCount} clusters, ${pageSize} loaded`);
      await expect(page.getByTestId('status-clusters')).toHaveText(String(clusterCount));
      await expect(grid(page)).toHaveAttribute('aria-rowcount', String(clusterCount + 1));
      await expect.poll(() => renderedNames(page)).toEqual(byCostDesc.slice(0, 15).map((c) => c.name));
      const viewport = page.getByTestId('registry-viewport');
      await shot(page, 'first-page');

      // 2. Scroll to the end: each page after the first asks with the previous page's cursor, the last
      // cluster (the cheapest) is on screen, and the DOM still holds a window of rows, not 500.
      await scrollToEnd(page, viewport, clusterCount);
      const cheapest = byCostDesc.at(-1)?.name ?? '';
      await expect(grid(page).getByRole('link', { name: cheapest, exact: true })).toBeInViewport();
      await expect(grid(page).getByRole('row').last()).toHaveAttribute(
        'aria-rowindex',
        String(clusterCount + 1),
      );
      const inDom = await dataRows(page).count();
      expect(inDom, 'rows in the DOM at the end of 500').toBeLessThanOrEqual(30);
      expect(inDom).toBeGreaterThanOrEqual(9);
      expect(await renderedNames(page)).toEqual(byCostDesc.slice(-inDom).map((c) => c.name));
      const pages = listRequests.filter((u) => u.searchParams.get('dir') === 'desc');
      expect(pages).toHaveLength(clusterCount / pageSize);
      expect(pages[0]?.searchParams.get('cursor')).toBeNull();
      const cursors = pages.slice(1).map((u) => u.searchParams.get('cursor'));
      expect(cursors.every((c) => typeof c === 'string' && c.length > 0)).toBe(true);
      expect(new Set(cursors).size, 'a new cursor for every page, none asked twice').toBe(cursors.length);
      // The selection outlives pages: the last cluster chosen here is still chosen after a sort and a search.
      await grid(page)
        .getByRole('checkbox', { name: `Select ${cheapest}`, exact: true })
        .check();
      await expect(page.getByText('1 selected', { exact: true })).toBeVisible();
      await shot(page, 'end-of-500');
      await expectAccessible(page, 'the registry grid of 500 clusters, scrolled to the end');

      // 3. Sort on the server: by name, then by monthly cost (descending first). The grid is back at the
      // top of the new order, on its first page.
      await page.getByRole('button', { name: 'Cluster', exact: true }).click();
      await expect(countLine(page)).toHaveText(`${clusterCount} clusters, ${pageSize} loaded`);
      const byName = [...fleet].map((c) => c.name).sort();
      await expect.poll(async () => (await renderedNames(page)).slice(0, 5)).toEqual(byName.slice(0, 5));
      await expect(grid(page).getByRole('link', { name: byName[0], exact: true })).toBeInViewport();
      await page.getByRole('button', { name: 'Monthly cost', exact: true }).click();
      await expect(page.getByRole('columnheader', { name: 'Monthly cost', exact: true })).toHaveAttribute(
        'aria-sort',
        'descending',
      );
      await expect
        .poll(async () => (await renderedNames(page)).slice(0, 5))
        .toEqual(byCostDesc.slice(0, 5).map((c) => c.name));
      const top = byCostDesc[0];
      await expect(grid(page).getByRole('link', { name: top?.name, exact: true })).toBeInViewport();
      await expect(grid(page).getByRole('row', { name: new RegExp(top?.name ?? '-') })).toContainText(
        `$${(top?.cost ?? 0).toLocaleString('en-US')}`,
      );
      await grid(page)
        .getByRole('checkbox', { name: `Select ${top?.name}`, exact: true })
        .check();
      await expect(page.getByText('2 selected', { exact: true })).toBeVisible();

      // 4. Search on the server across pages: one animal is more than a page of clusters; scrolled to the
      // end, all of them, the cheapest last. Then the Prod pill narrows it to a third. The two clusters
      // chosen above stay chosen throughout.
      const animal = animals[1];
      const matching = byCostDesc.filter((c) => c.name.startsWith(`${animal}-`));
      expect(matching.length).toBeGreaterThan(pageSize);
      await page.getByRole('searchbox', { name: /Search clusters/ }).fill(animal);
      await expect(countLine(page)).toHaveText(`${matching.length} clusters, ${pageSize} loaded`);
      await expect
        .poll(async () => (await renderedNames(page)).slice(0, 5))
        .toEqual(matching.slice(0, 5).map((c) => c.name));
      expect(listRequests.at(-1)?.searchParams.get('q')).toBe(animal);
      await expect(page.getByText('2 selected', { exact: true })).toBeVisible();
      await scrollToEnd(page, viewport, matching.length);
      await expect(
        grid(page).getByRole('link', { name: matching.at(-1)?.name, exact: true }),
      ).toBeInViewport();
      await page.getByRole('button', { name: 'Prod', exact: true }).click();
      const prodMatching = matching.filter((c) => c.env === 'prod');
      await expect(countLine(page)).toHaveText(`${prodMatching.length} clusters`);
      await expect.poll(() => renderedNames(page)).toEqual(prodMatching.slice(0, 15).map((c) => c.name));
      await page.getByRole('button', { name: 'Prod', exact: true }).click();
      await page.getByRole('button', { name: 'Clear selection' }).click();
      await expect(page.getByText(/\d+ selected/)).toBeHidden();
      await page.getByRole('searchbox', { name: /Search clusters/ }).fill('');
      await expect(countLine(page)).toHaveText(`${clusterCount} clusters, ${pageSize} loaded`);

      // 5. Keyboard: from the last column header, Tab into the grid and on, row after row (the window
      // follows the focus), to the 20th cluster's Manage button; Enter opens its page.
      await page.getByRole('button', { name: 'Compliance', exact: true }).focus();
      const target = byCostDesc[19]?.name ?? '';
      // The focused control's label, read without waiting for an element that is not rendered yet.
      const focusedLabel = () =>
        page.evaluate(() => {
          const doc = (
            globalThis as unknown as {
              document: {
                activeElement: { getAttribute(n: string): string | null; textContent: string | null } | null;
              };
            }
          ).document;
          const el = doc.activeElement;
          return el ? (el.getAttribute('aria-label') ?? el.textContent?.trim() ?? null) : null;
        });
      const path: (string | null)[] = [];
      // A row has six stops today (select, name, region zones, compliance checks, Manage, more actions);
      // the bound only ends a walk that never arrives, so it leaves room for a column more.
      while (path.length < 20 * 8 + 4 && path.at(-1) !== `Manage ${target}`) {
        await page.keyboard.press('Tab');
        path.push(await focusedLabel());
      }
      expect(path.at(-1), `Manage ${target} reached with Tab, through ${path.join(', ')}`).toBe(
        `Manage ${target}`,
      );
      await expect(page.getByRole('button', { name: `Manage ${target}`, exact: true })).toBeInViewport();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(new RegExp(`/clusters/${ids[target]}$`));
    });
  });
