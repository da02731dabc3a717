import { expect, type Locator, type Page, test } from '@playwright/test';
import { newUser, sandboxKeys, screenshotter } from './helpers';
import { expectFocusTrapped, expectFocusWithin, press, tabTo } from './keyboard';

const shot = screenshotter('kbd-');

/** Types into the field the focus reaches next by Tab (the field's label names it). */
async function typeInto(page: Page, field: Locator, text: string) {
  await tabTo(page, field);
  await page.keyboard.type(text);
}

/** Tab to a control and press Enter on it. */
async function activate(page: Page, control: Locator, options?: { key?: string; max?: number }) {
  await tabTo(page, control, options);
  await page.keyboard.press('Enter');
}

/** The clusters table's rows, in the order shown, by the cluster names their labels give. */
const shownClusters = (table: Locator) =>
  table
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => (r.getAttribute('aria-label') ?? '').replace(/^Open cluster /, '')),
    );

/**
 * Issue 19, item 2: the whole first-run journey with the keyboard alone (page.keyboard only, no click,
 * no fill), every stop of the focus visibly focused, dialogs and drawers trapping the focus over an inert
 * page and giving it back on close, and the skip link. It is also the browser test of connecting the
 * sandbox through the wizard and of disconnecting an account (the first sandbox account: one AWS
 * account belongs to one organization, and the dashboard spec holds the second).
 */
test('keyboard only: sign up, connect the sandbox, sort, open a cluster, switch ranges, dialogs, sign out', async ({
  page,
}) => {
  // The first scan of the sandbox runs the real discovery over its regions and clusters.
  test.setTimeout(480_000);
  const keys = sandboxKeys(0);
  expect(keys, 'the local stack writes the sandbox keys to <dataDir>/sandbox.json').not.toBeNull();
  if (!keys) return;
  const user = newUser('Keyboard');
  const main = page.locator('#main');

  // Sign up: the tab list by arrow keys, then the form.
  await page.goto('/login');
  // The first Tab must land in the rendered app: a Tab before Vue mounts focuses nothing (CI failed so).
  await expect(page.getByRole('tab', { name: 'Sign in' })).toBeVisible();
  await tabTo(page, page.getByRole('tab', { name: 'Sign in' }));
  await press(page, 'ArrowRight');
  await expect(page.getByRole('tab', { name: 'Sign up' })).toBeFocused();
  await typeInto(page, page.getByLabel('Organization name'), user.org);
  await typeInto(page, page.getByLabel('Email'), user.email);
  await typeInto(page, page.getByLabel('Password'), user.password);
  await activate(page, page.getByRole('button', { name: 'Create account' }));
  await expect(page).toHaveURL(/\/onboarding/);

  // The wizard: each step's heading takes the focus, which stays in the dialog over an inert page.
  const wizard = page.getByRole('dialog');
  await expect(wizard.getByRole('heading', { name: 'Welcome to Spot Optimizer!' })).toBeFocused();
  await expectFocusTrapped(page, wizard, 3);
  await shot(page, '01-wizard-welcome');
  await activate(page, wizard.getByRole('button', { name: 'Start Setup' }));
  await expect(wizard.getByRole('heading', { name: 'How do you want to connect?' })).toBeFocused();
  await tabTo(page, wizard.getByRole('button', { name: /Lab \/ Dev/ }));
  await page.keyboard.press('Space');
  await expect(wizard.getByRole('heading', { name: 'Enter your access keys' })).toBeFocused();
  await typeInto(page, wizard.getByLabel('Access Key ID'), keys.accessKeyId);
  await typeInto(page, wizard.getByLabel('Secret Access Key'), keys.secretAccessKey);
  if (keys.awsAccountId)
    await typeInto(page, wizard.getByLabel('AWS Account ID (optional)'), keys.awsAccountId);
  // The wizard starts in us-east-1, the sandbox's home region (a different one is typed into the select).
  if (keys.region && keys.region !== 'us-east-1') {
    await tabTo(page, wizard.getByRole('textbox', { name: 'Region' }));
    await page.keyboard.type(keys.region);
    await page.keyboard.press('Enter');
  }
  await typeInto(page, wizard.getByLabel('Account name (optional)'), 'Sandbox Lab');
  await shot(page, '02-wizard-keys');
  const connectedAt = Date.now();
  await activate(page, wizard.getByRole('button', { name: 'Connect', exact: true }));
  await expect(wizard.getByRole('heading', { name: 'Account Connected!' })).toBeFocused({ timeout: 30_000 });
  await expect(
    wizard.getByText(
      'We are now scanning your fleet. Each cluster appears on the dashboard as soon as it is collected.',
    ),
  ).toBeVisible();
  // The wizard follows the scan: "Scanning: 3 of 7 clusters collected" (a polite live region).
  await expect(wizard.getByTestId('scan-progress').getByRole('status')).toHaveText(
    /^Scanning: \d+ of \d+ clusters? collected/,
    { timeout: 60_000 },
  );
  await expect(wizard.getByText('Connection Established')).toBeVisible({ timeout: 300_000 });
  // Most of the test's time is this first scan; the rest is the keyboard's.
  const scan = `first scan ${((Date.now() - connectedAt) / 1000).toFixed(1)} s`;
  test.info().annotations.push({ type: 'first-scan', description: scan });
  console.log(`[keyboard-journey] ${scan}`);
  await expect(page.locator('body')).not.toContainText(keys.secretAccessKey);
  await activate(page, wizard.getByRole('button', { name: 'Go to Dashboard' }));
  await expect(page).toHaveURL(/\/dashboard/);

  // A new page puts the focus at its start; the skip link, reached backwards through the sidebar and the
  // top bar (every stop visible), jumps there too.
  await expect(main).toBeFocused();
  const skipLink = page.getByRole('link', { name: 'Skip to main content' });
  await tabTo(page, skipLink, { key: 'Shift+Tab' });
  // Hidden above the window until it has the focus.
  await expect(skipLink).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(main).toBeFocused();

  // Sort the clusters table by name from its header, both ways.
  const table = page.getByTestId('widget-clusters');
  await expect(table.locator('tbody tr').first()).toBeVisible();
  const clusters = await shownClusters(table);
  expect(clusters.length).toBeGreaterThan(1);
  const byName = [...clusters].sort((a, b) => a.localeCompare(b));
  await activate(page, table.getByRole('button', { name: /^Cluster/ }));
  await expect(table.getByRole('button', { name: 'Cluster (sorted descending)' })).toBeFocused();
  expect(await shownClusters(table)).toEqual([...byName].reverse());
  await page.keyboard.press('Enter');
  await expect(table.getByRole('button', { name: 'Cluster (sorted ascending)' })).toBeFocused();
  expect(await shownClusters(table)).toEqual(byName);
  await shot(page, '03-dashboard-sorted');

  // Open the first cluster (the row is a link: Enter).
  const first = byName[0] as string;
  await activate(page, table.locator('tbody tr').first());
  await expect(page).toHaveURL(/\/clusters\/eks-/);
  await expect(page.getByTestId('cluster-header')).toContainText(first);
  await expect(main).toBeFocused();

  // Switch the resource gap's range with the arrow keys of its radio group.
  const gap = page.getByTestId('widget-resource-gap');
  await tabTo(page, gap.getByRole('radio', { name: '7 d' }));
  await expect(gap.getByRole('img', { name: /over 7d/ })).toBeVisible();
  await press(page, 'ArrowRight');
  await expect(gap.getByRole('radio', { name: '30 d' })).toBeChecked();
  await expect(gap.getByRole('img', { name: /over 30d/ })).toBeVisible();
  await press(page, 'ArrowLeft');
  await press(page, 'ArrowLeft');
  await expect(gap.getByRole('radio', { name: '24 h' })).toBeFocused();
  await expect(gap.getByRole('img', { name: /over 24h/ })).toBeVisible();
  await shot(page, '04-cluster-range');

  // A drawer: the audit record's details trap the focus over an inert page; Escape gives it back.
  await activate(page, page.getByRole('link', { name: 'Audit Logs' }), { key: 'Shift+Tab' });
  await expect(page).toHaveURL(/\/audit-logs/);
  await expect(main).toBeFocused();
  // New records may arrive meanwhile (the sandbox's agents push snapshots): the opener is found by its id.
  const newest = await page
    .getByTestId('audit-table')
    .locator('tbody tr')
    .first()
    .getAttribute('data-testid');
  const event = page.getByTestId(newest ?? 'no audit row').getByRole('button');
  await activate(page, event, { max: 60 });
  const drawer = page.getByRole('dialog');
  await expect(page.getByTestId('audit-drawer')).toBeVisible();
  await expectFocusWithin(drawer, 'the audit drawer');
  await expectFocusTrapped(page, drawer, 4);
  await shot(page, '05-audit-drawer');
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(event).toBeFocused();

  // A confirmation dialog: the account's menu by arrows, Escape returns to the menu button; then
  // disconnecting for real, after which the focus goes on from the list's heading.
  await activate(page, page.getByRole('link', { name: 'Cloud Integrations' }), { key: 'Shift+Tab', max: 60 });
  await expect(page).toHaveURL(/\/settings\/accounts/);
  const card = page.getByRole('listitem').filter({ hasText: 'Sandbox Lab' });
  await expect(card.getByText('Access Key')).toBeVisible();
  await expect(card.getByText('Active')).toBeVisible();
  if (keys.awsAccountId)
    await expect(card.getByText(`${keys.awsAccountId.slice(0, 4)}-****-****`)).toBeVisible();
  const actions = card.getByRole('button', { name: 'Actions for Sandbox Lab' });
  const openDisconnect = async () => {
    await page.keyboard.press('Enter');
    // Re-Sync, Edit Name, then Disconnect (the divider is skipped).
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
  };
  await tabTo(page, actions);
  await openDisconnect();
  const confirm = page.getByRole('dialog').filter({ hasText: 'Disconnect “Sandbox Lab”?' });
  await expect(confirm).toBeVisible();
  await expectFocusWithin(confirm, 'the disconnect confirmation');
  await expectFocusTrapped(page, confirm, 4);
  await shot(page, '06-disconnect-confirm');
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(actions).toBeFocused();
  expect(await page.locator('#app').evaluate((el) => (el as unknown as { inert: boolean }).inert)).toBe(
    false,
  );
  await openDisconnect();
  await activate(page, confirm.getByRole('button', { name: 'Disconnect' }));
  await expect(page.getByText('No AWS accounts are connected yet.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Connected Accounts' })).toBeFocused();

  // Sign out from the top bar; the sign-in page takes the focus at its start.
  await activate(page, page.getByRole('button', { name: 'Sign out' }), { key: 'Shift+Tab' });
  await expect(page).toHaveURL(/\/login/);
  await expect(main).toBeFocused();
  await tabTo(page, page.getByRole('tab', { name: 'Sign in' }));
});
