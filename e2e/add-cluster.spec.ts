import { gunzipSync } from 'node:zlib';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { apiCall, expectAccessible, newUser, screenshotter, signUpWithSandboxKeys } from './helpers';
import { expectFocusTrapped, expectVisibleFocus, tabTo } from './keyboard';

/**
 * The Add Cluster wizard on the sandbox (issue 17 item 7, ADR 0051), in an organization of its own on the
 * sandbox's fourth account (the `e2e` world's `acme-europe`; no other spec connects it). Connecting the
 * account adopts its one cluster; then a team "creates" a second EKS cluster (the sandbox's
 * `POST /sandbox/clusters/{name}/create`), which stays unmanaged until the next discovery: the wizard's
 * scan of two regions lists it with its tags, adopts it, shows the install token, and the sonar waits
 * until the agent the Helm command installs (played by the sandbox) pushes its first report. Then the
 * Terraform path adopts three more clusters at once, one of which the team deletes meanwhile (two added,
 * the third named with why, "Continue with the 2 added"), and the kubeconfig path registers a restricted
 * cluster (no access entry for the platform's role) with its read-only kubeconfig (ADR 0059), whose file is
 * then replaced on its page by its client-certificate kubeconfig (ADR 0065). The agent of the first path
 * lacks "list events" at first: the wizard shows it connected with that permission named and its fix
 * until the agent reports it granted; the kubeconfig path's pre-flight checks the file's permissions in
 * the cluster (ADR 0070).
 */
const shot = screenshotter('add-cluster-');
const user = newUser('Add Cluster');
const created = 'dev-checkout-euw1';

interface AccountItem {
  id: string;
  method: string | null;
  status: string;
  discovery: { clustersFound: number | null } | null;
}

/** The connected account once its first scan has read every region (the clusters found are counted). */
async function regionsRead(page: Page): Promise<AccountItem> {
  let found: AccountItem | undefined;
  await expect
    .poll(
      async () => {
        const { body } = await apiCall(page, '/api/client/accounts');
        found = (body.items as AccountItem[]).find((a) => a.method !== null);
        if (!found) return 'not connected';
        return found.status !== 'scanning' || found.discovery?.clustersFound != null
          ? 'read'
          : 'reading regions';
      },
      { timeout: 60_000, intervals: [1_000], message: "the first scan reads the account's regions" },
    )
    .toBe('read');
  if (!found) throw new Error('no connected account');
  return found;
}

/**
 * Tab until `target` has the focus, checking the focus ring only there: the regions' native checkboxes
 * (some 30 stops, all alike) would cost a ring check each on a loaded 2-core machine.
 */
async function tabThrough(page: Page, target: Locator, max: number) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (
      await target.evaluate(
        (el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement,
      )
    )
      return;
  }
  throw new Error(`${target} was not reached in ${max} presses of Tab`);
}

test('the Add Cluster wizard scans two regions, adopts an unmanaged cluster and waits for its agent', async ({
  page,
}) => {
  test.setTimeout(200_000);
  const { wizard: onboarding } = await signUpWithSandboxKeys(page, user, 3, 'Sandbox Europe');
  await onboarding.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(onboarding.getByRole('heading', { name: 'Account Connected!' })).toBeVisible({
    timeout: 30_000,
  });
  await onboarding.getByRole('button', { name: 'Go to Dashboard' }).click();
  await expect(page).toHaveURL(/\/dashboard/);

  // Once discovery has read every region, a team creates a new EKS cluster: unmanaged until the next
  // discovery (in 15 minutes), which is what the wizard's scan is for.
  await regionsRead(page);
  const create = await page.request.post(`/sandbox/clusters/${created}/create`);
  expect(create.status(), await create.text()).toBe(200);

  await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
  await expect(page.getByRole('heading', { name: 'Clusters', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: '+ Connect Cluster' }).click();
  const dialog = '[role="dialog"][aria-labelledby="add-cluster-title"]';
  const wizard = page.locator(dialog);

  // Step 1, from the keyboard: the account is chosen, Auto-Discovery is the default method.
  const title = wizard.getByRole('heading', { level: 2 });
  await expect(title).toHaveText('Connect a cluster');
  await expect(title).toBeFocused();
  await expect(wizard.getByLabel('Cloud account')).toHaveValue(/.+/);
  await expect(wizard.getByRole('radio', { name: /Auto-Discovery/ })).toBeChecked();
  await shot(page, '01-method');
  await expectAccessible(page, 'the Add Cluster wizard, step 1 (method)');
  await expectFocusTrapped(page, wizard, 3);
  await title.focus();
  await tabTo(page, wizard.getByRole('button', { name: 'Next' }));
  await page.keyboard.press('Enter');

  // Step 2: the account's home region is ticked; add eu-west-1 from the keyboard and scan both.
  await expect(title).toHaveText('Discover unmanaged clusters');
  await expect(title).toBeFocused();
  await expect(wizard.getByRole('checkbox', { name: /us-west-2/ })).toBeChecked();
  const euWest1 = wizard.getByRole('checkbox', { name: /^eu-west-1\b/ });
  await tabTo(page, euWest1, { max: 10 });
  await page.keyboard.press('Space');
  await expect(euWest1).toBeChecked();
  // The ticked regions are named beside the button (the list scrolls: they may be out of its view).
  await expect(wizard.getByTestId('regions-picked')).toHaveText('Selected: us-west-2, eu-west-1');
  const scan = wizard.getByRole('button', { name: 'Scan 2 regions' });
  await tabThrough(page, scan, 40);
  await expectVisibleFocus(page, 'the Scan button');
  await page.keyboard.press('Enter');
  await expect(wizard.getByRole('status')).toContainText('1 unmanaged cluster found, 1 already managed.');
  const table = wizard.getByRole('table', { name: 'Unmanaged clusters' });
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.locator('tbody tr').first()).toContainText(created);
  await expect(table.locator('tbody tr').first()).toContainText('eu-west-1');
  // The cluster's env and team come from its EKS tags, editable before adopting.
  await expect(wizard.getByLabel(`env tag of ${created}`)).toHaveValue('dev');
  await expect(wizard.getByLabel(`team tag of ${created}`)).toHaveValue('checkout');
  await expect(wizard.getByRole('checkbox', { name: `Select ${created}` })).toBeChecked();
  await shot(page, '02-unmanaged-clusters');
  // From here axe checks the dialog alone: the page behind it is inert and was checked with step 1.
  await expectAccessible(page, 'the Add Cluster wizard, step 2 (unmanaged clusters)', dialog);
  await tabTo(page, wizard.getByLabel(`team tag of ${created}`), { max: 10 });
  await page.keyboard.press('End');
  await page.keyboard.type('-eu');
  // The first install token fails (the cluster is added, its token is not): the error shows, the row is
  // marked added (no longer selectable: adding it twice would be a 409), and "Continue with the 1 added"
  // issues the token for it.
  await page.route(
    '**/install-token',
    (route) => route.fulfill({ status: 503, json: { message: 'Try again.' } }),
    {
      times: 1,
    },
  );
  const add = wizard.getByRole('button', { name: 'Add selected cluster' });
  await tabTo(page, add, { max: 10 });
  await page.keyboard.press('Enter');
  await expect(wizard.getByRole('alert')).toContainText('That did not work');
  await expect(title).toHaveText('Discover unmanaged clusters');
  await expect(wizard.getByTestId(`added-${created}`)).toHaveText('✓ Added');
  await expect(wizard.getByRole('checkbox', { name: `Select ${created}` })).toBeDisabled();
  await expect(add).toBeDisabled();
  await wizard.getByRole('button', { name: 'Continue with the 1 added' }).focus();
  await page.keyboard.press('Enter');

  // Step 3: the Helm command with its one-hour install token, and the pre-flight check.
  await expect(title).toHaveText('Install the agent');
  const helm = wizard.getByLabel('Helm install command');
  await expect(helm).toContainText('helm');
  const helmText = (await helm.textContent()) ?? '';
  const token = /spot_ins_[A-Za-z0-9_-]+/.exec(helmText)?.[0];
  expect(token, 'the Helm command carries an install token').toBeTruthy();
  // Helm installs the chart this deployment serves, by its URL (ADR 0075): a gzipped tar with the chart's
  // folder at its top, the version of its URL in its Chart.yaml, and no token in it.
  const chartUrl = /^helm upgrade --install spot-optimizer-agent (\S+) \\$/m.exec(helmText)?.[1] ?? '';
  expect(chartUrl).toMatch(
    new RegExp(`^${new URL(page.url()).origin}/api/agent/spot-optimizer-agent-\\d+\\.\\d+\\.\\d+\\.tgz$`),
  );
  await expect(wizard.getByRole('link', { name: 'download the chart' })).toHaveAttribute('href', chartUrl);
  const chart = await page.request.get(chartUrl);
  expect(chart.status()).toBe(200);
  expect(chart.headers()['content-type']).toBe('application/gzip');
  const chartTar = gunzipSync(await chart.body()).toString('latin1');
  const chartVersion = /spot-optimizer-agent-(\d+\.\d+\.\d+)\.tgz$/.exec(chartUrl)?.[1];
  expect(chartTar).toContain('spot-optimizer-agent/Chart.yaml\0');
  expect(chartTar).toContain(`version: ${chartVersion}\n`);
  expect(chartTar).not.toContain(token ?? 'a token');
  await tabTo(page, wizard.getByRole('button', { name: 'Run pre-flight check' }), { max: 15 });
  await page.keyboard.press('Enter');
  await expect(wizard.getByRole('status')).toContainText(/All \d+ IAM permissions are in place\./);
  // No kubeconfig and no agent yet: the cluster is asked as the role's EKS access entry (ADR 0070).
  await expect(wizard.getByRole('status')).toContainText(
    "All 8 Kubernetes permissions of the Spot Optimizer role's EKS access entry (Kubernetes group spot-optimizer:readonly) are in place, checked now as the Spot Optimizer role's EKS access entry.",
  );
  await shot(page, '03-install');
  await expectAccessible(page, 'the Add Cluster wizard, step 3 (install)', dialog);
  // The kubectl form fetches the manifest from this deployment (ADR 0071): it is served, names this
  // origin, and holds no token (sed puts it in, from the command line, never from a URL).
  await wizard.getByRole('tab', { name: 'kubectl apply' }).click();
  const kubectl = (await wizard.getByLabel('kubectl apply install command').textContent()) ?? '';
  const manifestUrl = /^curl -fsSL (\S+) \\$/m.exec(kubectl)?.[1] ?? '';
  expect(manifestUrl).toBe(new URL('/api/agent/manifest.yaml', page.url()).href);
  expect(kubectl).toContain(`|${token}|`);
  await expect(wizard.getByRole('link', { name: 'download it' })).toHaveAttribute('href', manifestUrl);
  const manifest = await page.request.get(manifestUrl);
  expect(manifest.status()).toBe(200);
  expect(manifest.headers()['content-type']).toMatch(/^application\/yaml/);
  const served = await manifest.text();
  expect(served).toContain(`value: "${new URL(page.url()).origin}"`);
  expect(served).not.toContain(token ?? 'a token');
  await shot(page, '03b-install-kubectl');
  // Terraform's helm_release names the same served chart, with no repository.
  await wizard.getByRole('tab', { name: 'Terraform' }).click();
  const terraformForm = wizard.getByLabel('Terraform install command');
  await expect(terraformForm).toContainText(`chart = "${chartUrl}"`);
  await expect(terraformForm).not.toContainText('repository');
  await expect(wizard.getByRole('link', { name: 'download the chart' })).toHaveAttribute('href', chartUrl);
  await wizard.getByRole('tab', { name: 'Helm' }).click();

  // Step 4: the sonar listens, and keeps listening while no agent has reported (one look at the cluster
  // answers without a report). Back to the commands: the sandbox runs the Helm command with the token
  // shown, the agent's first report redeems it, and the sonar gives way to the node count.
  await tabTo(page, wizard.getByRole('button', { name: 'I ran it: wait for the agent' }), { max: 15 });
  const look = page.waitForResponse(
    (r) =>
      r.request().method() === 'GET' && /\/api\/client\/clusters\/eks-[^/]+$/.test(new URL(r.url()).pathname),
  );
  await page.keyboard.press('Enter');
  await expect(title).toHaveText("Waiting for the agent's first report…");
  await expect(wizard.getByRole('status')).toContainText(`Listening for ${created}`);
  expect((await look).status()).toBe(200);
  await expect(title).toHaveText("Waiting for the agent's first report…");
  await shot(page, '04-sonar');
  await expectAccessible(page, 'the Add Cluster wizard, step 4 (waiting for the agent)', dialog);
  await tabTo(page, wizard.getByRole('button', { name: '← Back to the install commands' }), { max: 5 });
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Install the agent');
  await expect(wizard.getByLabel('Helm install command')).toContainText(token ?? 'a token');
  // The cluster's ClusterRole lacks "list events" for the agent (ADR 0070): the agent checks its own
  // permissions at start and reports them, and the wizard says "Connected" with the missing one named and
  // the rule to add, not success.
  const revoke = await page.request.put(`/sandbox/clusters/${created}/rbac`, {
    data: { subject: 'agent', verb: 'list', resource: 'events', allowed: false },
  });
  expect(revoke.status(), await revoke.text()).toBe(200);
  await tabTo(page, wizard.getByRole('button', { name: 'Run the Helm command in the sandbox' }), { max: 15 });
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Connected: 1 Kubernetes permission missing', { timeout: 20_000 });
  await expect(title).toBeFocused();
  const reported = wizard.getByRole('status');
  await expect(reported).toContainText('list events — pressure events and spot interruptions');
  await expect(reported.getByLabel('RBAC rule that grants list events')).toHaveText(
    '- apiGroups: [""]\n  resources: ["events"]\n  verbs: ["list"]',
  );
  await shot(page, '05-connected-permission-missing');
  await expectAccessible(page, 'the Add Cluster wizard, connected with a permission missing', dialog);
  // The rule added, the agent's next report (the install token is its credential now) turns it to success.
  const grant = await page.request.put(`/sandbox/clusters/${created}/rbac`, {
    data: { subject: 'agent', verb: 'list', resource: 'events', allowed: true },
  });
  expect(grant.status(), await grant.text()).toBe(200);
  const again = await page.request.post(`/sandbox/clusters/${created}/agent-install`, { data: { token } });
  expect(again.status(), await again.text()).toBe(200);
  await expect(title).toHaveText(/^Success! [1-9]\d* Nodes Discovered$/, { timeout: 20_000 });
  const nodes = Number(/\d+/.exec((await title.textContent()) ?? '')?.[0]);
  await expect(title).toBeFocused();
  await shot(page, '05b-success');
  await expectAccessible(page, 'the Add Cluster wizard, success', dialog);

  // The adopted cluster with the edited tag, and its agent connected, on its own page.
  await tabTo(page, wizard.getByRole('button', { name: 'Configure Optimization Now' }), { max: 10 });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/clusters\/eks-/);
  await expect(page.getByRole('heading', { name: created, level: 1 })).toBeVisible();
  const clusterId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const { body } = await apiCall(page, `/api/client/clusters/${clusterId}`);
  const cluster = body.cluster as {
    tags: Record<string, string>;
    nodeCount: number;
    agent: { lastSnapshotAt: string | null };
  };
  expect(cluster.tags).toMatchObject({ env: 'dev', team: 'checkout-eu' });
  expect(cluster.agent.lastSnapshotAt).not.toBeNull();
  expect(cluster.nodeCount, 'the nodes the success message counted').toBe(nodes);
  const extraFrom = Date.now();

  // The Terraform path, adopting two clusters a team created since, together (ADR 0059).
  const pair = ['dev-analytics-euw1', 'dev-growth-euw1'];
  const restricted = 'dev-messaging-euw1';
  for (const name of [...pair, restricted]) {
    const made = await page.request.post(`/sandbox/clusters/${name}/create`);
    expect(made.status(), await made.text()).toBe(200);
  }
  // The third has no EKS access entry for the platform's role: only a kubeconfig reaches it.
  const entry = await page.request.put(`/sandbox/clusters/${restricted}/access-entry`, {
    data: { present: false },
  });
  expect(entry.status(), await entry.text()).toBe(200);
  await page.getByRole('menuitem', { name: 'Clusters' }).first().click();
  await page.getByRole('button', { name: '+ Connect Cluster' }).click();
  await expect(title).toHaveText('Connect a cluster');
  await tabTo(page, wizard.getByRole('radio', { name: /Auto-Discovery/ }), { max: 5 });
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(wizard.getByRole('radio', { name: /Terraform/ })).toBeChecked();
  await tabTo(page, wizard.getByRole('button', { name: 'Next' }), { max: 5 });
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Discover unmanaged clusters');
  await tabTo(page, euWest1, { max: 10 });
  await page.keyboard.press('Space');
  await tabThrough(page, scan, 40);
  await page.keyboard.press('Enter');
  // The restricted cluster is listed too (EKS lists it); only the two are picked.
  await expect(wizard.getByRole('status')).toContainText('3 unmanaged clusters found, 2 already managed.');
  await expect(wizard.getByRole('checkbox', { name: `Select ${pair[0]}` })).toBeChecked();
  await tabTo(page, wizard.getByRole('checkbox', { name: `Select ${pair[1]}` }), { max: 10 });
  await page.keyboard.press('Space');
  await tabTo(page, wizard.getByRole('checkbox', { name: `Select ${restricted}` }), { max: 10 });
  await page.keyboard.press('Space');
  await shot(page, '06-select-three');
  // Meanwhile the team deletes the restricted cluster (it makes it again below): of the three, two are
  // adopted and the third fails, named with why; the wizard offers to go on with the two (ADR 0059).
  const deleted = await page.request.delete(`/sandbox/clusters/${restricted}`);
  expect(deleted.status(), await deleted.text()).toBe(200);
  const addThree = wizard.getByRole('button', { name: 'Add 3 selected clusters' });
  await tabTo(page, addThree, { max: 15 });
  await page.keyboard.press('Enter');
  await expect(wizard.getByRole('status')).toContainText('2 of 3 selected clusters added; 1 could not be:');
  await expect(wizard.getByRole('status').getByRole('listitem')).toHaveText([
    `${restricted} (eu-west-1): The account has no EKS cluster "${restricted}" in eu-west-1. Scan the region again and pick one of the clusters listed, or check the name and region.`,
  ]);
  await expect(title).toHaveText('Discover unmanaged clusters');
  // The two added are unticked and marked added; "Add" counts only the one left to add.
  for (const name of pair) {
    await expect(wizard.getByRole('checkbox', { name: `Select ${name}` })).not.toBeChecked();
    await expect(wizard.getByRole('checkbox', { name: `Select ${name}` })).toBeDisabled();
    await expect(wizard.getByTestId(`added-${name}`)).toHaveText('✓ Added');
  }
  await expect(wizard.getByRole('checkbox', { name: `Select ${restricted}` })).toBeChecked();
  await expect(addThree).toHaveCount(0);
  await expect(wizard.getByRole('button', { name: 'Add selected cluster' })).toBeEnabled();
  const goOn = wizard.getByRole('button', { name: 'Continue with the 2 added' });
  await tabTo(page, goOn, { key: 'Shift+Tab', max: 5 });
  await expectVisibleFocus(page, 'the Continue with the 2 added button');
  await shot(page, '07-partial-failure');
  await expectAccessible(page, 'the Add Cluster wizard, two of three clusters adopted', dialog);
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Install the agent');
  await expect(wizard.getByRole('tab', { name: 'Terraform' })).toHaveAttribute('aria-selected', 'true');
  const terraform = wizard.getByLabel('Terraform install command');
  await expect(terraform).toContainText('resource "helm_release"');
  await expect(terraform).toContainText(`value = "${pair[0]}"`);
  // Each adopted cluster has its own install token: the other one is a choice away.
  const which = wizard.getByLabel(/Cluster \(2 added/);
  await tabTo(page, which, { max: 10 });
  await page.keyboard.press('ArrowDown');
  await expect(terraform).toContainText(`value = "${pair[1]}"`);
  await shot(page, '08-terraform');
  await expectAccessible(page, 'the Add Cluster wizard, Terraform for two adopted clusters', dialog);
  await wizard.getByRole('button', { name: 'Close the Add Cluster wizard' }).focus();
  await page.keyboard.press('Enter');
  await expect(wizard).toHaveCount(0);

  // The kubeconfig path: the restricted cluster (made again), its read-only kubeconfig pasted.
  const remade = await page.request.post(`/sandbox/clusters/${restricted}/create`);
  expect(remade.status(), await remade.text()).toBe(200);
  const file = await (await page.request.get(`/sandbox/clusters/${restricted}/kubeconfig`)).text();
  await page.getByRole('button', { name: '+ Connect Cluster' }).click();
  await expect(title).toHaveText('Connect a cluster');
  await tabTo(page, wizard.getByRole('radio', { name: /Auto-Discovery/ }), { max: 5 });
  await page.keyboard.press('ArrowRight');
  await expect(wizard.getByRole('radio', { name: /Manual Kubeconfig/ })).toBeChecked();
  await tabTo(page, wizard.getByRole('button', { name: 'Next' }), { max: 5 });
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Upload a kubeconfig');
  await tabTo(page, wizard.getByLabel('Or paste it'), { max: 5 });
  await page.keyboard.insertText(file);
  await expect(wizard.getByRole('status')).toContainText('Valid: https://');
  await expect(wizard.getByLabel('EKS cluster name')).toHaveValue(restricted);
  await expect(wizard.getByLabel('Region')).toHaveValue('eu-west-1');
  await shot(page, '09-kubeconfig');
  await expectAccessible(page, 'the Add Cluster wizard, kubeconfig upload', dialog);
  await tabTo(page, wizard.getByRole('button', { name: 'Register cluster' }), { max: 10 });
  await page.keyboard.press('Enter');
  await expect(title).toHaveText('Install the agent');
  await expect(wizard).toContainText(`reads ${restricted} with the kubeconfig you uploaded`);
  // The pre-flight asks the cluster with the uploaded kubeconfig (SelfSubjectAccessReviews, ADR 0070).
  await tabTo(page, wizard.getByRole('button', { name: 'Run pre-flight check' }), { max: 15 });
  await page.keyboard.press('Enter');
  await expect(wizard.getByRole('status')).toContainText(
    "All 8 Kubernetes permissions of the uploaded kubeconfig's credential are in place, checked now with the uploaded kubeconfig.",
  );
  await shot(page, '10-kubeconfig-install');
  await wizard.getByRole('button', { name: 'Close the Add Cluster wizard' }).focus();
  await page.keyboard.press('Enter');
  await expect(wizard).toHaveCount(0);

  // Its token rotated, the cluster gets a new file on its page (ADR 0065): one of another cluster is
  // refused by the API with what to do; the cluster's client-certificate kubeconfig is stored.
  const { body: listed } = await apiCall(page, '/api/client/clusters?limit=50');
  const restrictedId = (listed.items as { id: string; name: string }[]).find(
    (c) => c.name === restricted,
  )?.id;
  expect(restrictedId, `${restricted} is listed`).toBeTruthy();
  await page.goto(`/clusters/${restrictedId}`);
  await expect(page.getByRole('heading', { name: restricted, level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Replace kubeconfig' }).focus();
  await page.keyboard.press('Enter');
  const replace = page.getByRole('dialog', { name: `Replace the kubeconfig of ${restricted}` });
  await expect(replace).toBeVisible();
  const paste = replace.getByLabel('Or paste it');
  await tabTo(page, paste, { max: 6 });
  await page.keyboard.insertText(file.replace(/server: https:\/\/[0-9A-F]+\./, 'server: https://0BAD0.'));
  await expect(replace.getByRole('status')).toContainText('Valid: https://0BAD0.');
  const submit = replace.getByRole('button', { name: 'Replace kubeconfig' });
  await tabTo(page, submit, { max: 6 });
  await page.keyboard.press('Enter');
  await expect(replace.getByRole('alert')).toContainText(`is not the API server of ${restricted}`);
  await shot(page, '11-replace-kubeconfig-refused');
  await expectAccessible(page, 'the Replace kubeconfig dialog, refused', '[role="dialog"]');
  const certFile = await (
    await page.request.get(`/sandbox/clusters/${restricted}/kubeconfig?auth=client-certificate`)
  ).text();
  await paste.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(certFile);
  await expect(replace.getByRole('status')).toContainText('(client-certificate)');
  await tabTo(page, submit, { max: 6 });
  await page.keyboard.press('Enter');
  await expect(page.getByText(`Replaced the kubeconfig of ${restricted}`)).toBeVisible();
  await expect(replace).toHaveCount(0);
  await shot(page, '12-replace-kubeconfig-done');

  // That the next sync reads the restricted cluster with the file is the ddb test's
  // (cluster-kubeconfig-collect.ddb.test.ts): with a discovery here (30-day back-fills of the new
  // clusters) this extension took 26-62 s on the loaded machine, without it 10 s.
  console.log(
    `add-cluster: Terraform and kubeconfig paths took ${((Date.now() - extraFrom) / 1000).toFixed(1)} s`,
  );
});
