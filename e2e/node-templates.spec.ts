import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, newUser, screenshotter, signIn, signUp } from './helpers';

const shot = screenshotter('templates-');
const user = newUser('Templates');

const row = (page: Page, name: string) =>
  page
    .getByTestId('templates-table')
    .getByRole('row')
    .filter({ has: page.getByText(name, { exact: true }) });

async function rowAction(page: Page, name: string, action: string) {
  await row(page, name)
    .getByRole('button', { name: `Actions for ${name}` })
    .click();
  await page.locator('.n-dropdown-menu').getByText(action, { exact: true }).click();
}

test.describe
  .serial('node templates', () => {
    test('a user creates a template with the wizard, conflicts and estimate live, and the row appears without a reload', async ({
      page,
    }) => {
      test.setTimeout(180_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, user);
      await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      await page.getByRole('menuitem', { name: 'Node Templates' }).first().click();
      await expect(page.getByRole('heading', { name: 'Node Provisioning Templates' })).toBeVisible();
      await expect(page.getByText('No node templates yet.', { exact: false })).toBeVisible();
      await shot(page, '01-empty');
      await expectAccessible(page, 'the empty template list');

      // A marker on the window survives only if the page is never reloaded.
      await page.evaluate(() => {
        (globalThis as unknown as { noReload: boolean }).noReload = true;
      });
      await page.getByTestId('create-template').click();
      const wizard = page.getByTestId('template-wizard');
      await expect(wizard.getByRole('heading', { name: 'General Information' })).toBeVisible();
      // The first template is the organization's default unless the person says otherwise.
      await expect(wizard.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
      await wizard.getByLabel('Template Name').fill('  ');
      await wizard.getByRole('button', { name: 'Next' }).click();
      await expect(wizard.getByText('Give the template a name.')).toBeVisible();
      await wizard.getByLabel('Template Name').fill('Production-General');
      await wizard.getByLabel('Description').fill('Stateless web tier of every production cluster');
      await shot(page, '02-wizard-general');
      await expectAccessible(page, 'the wizard, step 1', '.n-drawer');
      await page.getByRole('button', { name: 'Next' }).click();

      // Step 2: a category checks its families; ARM64 then conflicts with the x86-only ones at once.
      await expect(wizard.getByRole('heading', { name: 'Compute & Architecture' })).toBeVisible();
      await expect(wizard.getByText('Choose at least one instance family.')).toBeVisible();
      await wizard.getByTestId('category-compute-optimized').click();
      await expect(wizard.getByTestId('category-compute-optimized').getByRole('checkbox')).toBeChecked();
      await expect(wizard.getByText(/Instance families \([1-9]\d* chosen\)/)).toBeVisible();
      const allowed = wizard.getByTestId('allowed-count');
      await expect
        .poll(async () => Number((await allowed.textContent())?.replaceAll(',', '')))
        .toBeGreaterThan(0);
      await wizard.getByText('ARM64 (Graviton)').click();
      await expect(wizard.getByText('Instance type c5 is incompatible with ARM64.')).toBeVisible();
      await expect(wizard.getByTestId('conflict-fix')).toHaveText(
        /Remove the \d+ families without ARM64 types/,
      );
      await shot(page, '03-wizard-conflict');
      await wizard.getByRole('button', { name: 'Next' }).click();
      await expect(wizard.getByRole('heading', { name: 'Compute & Architecture' })).toBeVisible();
      await wizard.getByText('x86 (Intel/AMD)').click();
      await expect(wizard.getByText('Instance type c5 is incompatible with ARM64.')).toBeHidden();
      await wizard.getByTestId('category-general-purpose').click();
      await shot(page, '04-wizard-compute');
      await expectAccessible(page, 'the wizard, step 2', '.n-drawer');
      await wizard.getByRole('button', { name: 'Next' }).click();

      // Step 3: the capacity cards are radios; a spot-only template offers the spot strategy.
      await expect(wizard.getByRole('heading', { name: 'Spot & Purchasing Strategy' })).toBeVisible();
      await wizard.getByTestId('capacity-spot').click();
      await expect(wizard.getByRole('radio', { name: /Spot Only/ })).toBeChecked();
      // Some current families (c8ine) are never sold as spot: the conflict offers to drop them in one click.
      await expect(wizard.getByText(/EC2 does not sell \S+ as spot/).first()).toBeVisible();
      await wizard.getByTestId('conflict-fix').click();
      await expect(wizard.getByTestId('conflicts')).toBeHidden();
      await wizard.getByRole('radio', { name: /Lowest Price/ }).check();
      await shot(page, '05-wizard-purchasing');
      await expectAccessible(page, 'the wizard, step 3', '.n-drawer');
      await wizard.getByRole('button', { name: 'Next' }).click();

      // Step 4: io1 needs IOPS within 50 per GiB; the conflict names the way out.
      await expect(wizard.getByRole('heading', { name: 'Storage & Networking' })).toBeVisible();
      await wizard.getByLabel('Disk type').click();
      await page.locator('.n-base-select-option').filter({ hasText: 'io1' }).click();
      await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).fill('20');
      await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).blur();
      await expect(wizard.getByText(/io1 volumes allow at most 50 IOPS per GiB/)).toBeVisible();
      await wizard.getByLabel('Disk type').click();
      await page.locator('.n-base-select-option').filter({ hasText: 'gp3' }).click();
      await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).fill('120');
      await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).blur();
      await expect(wizard.getByText(/io1 volumes/)).toBeHidden();
      await shot(page, '06-wizard-storage');
      await expectAccessible(page, 'the wizard, step 4', '.n-drawer');
      await wizard.getByRole('button', { name: 'Next' }).click();

      // Summary: the JSON the API gets and the NodePool Karpenter gets.
      const json = wizard.getByTestId('summary-json');
      await expect(json).toContainText('"name": "Production-General"');
      await expect(json).toContainText('"capacityType": "spot"');
      await expect(json).toContainText('"sizeGiB": 120');
      await wizard.getByRole('tab', { name: 'Karpenter NodePool' }).click();
      await expect(wizard.getByTestId('summary-yaml')).toContainText('kind: NodePool');
      await expect(wizard.getByTestId('summary-yaml')).toContainText('karpenter.k8s.aws/instance-family');
      await shot(page, '07-wizard-summary');
      await wizard.getByRole('button', { name: 'Create', exact: true }).click();

      await expect(wizard).toBeHidden();
      const created = row(page, 'Production-General');
      await expect(created).toBeVisible();
      await expect(created.getByText('DEFAULT')).toBeVisible();
      await expect(created.getByText('SPOT', { exact: true })).toBeVisible();
      await expect(created.getByText('gp3 (120 GiB)')).toBeVisible();
      expect(await page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload)).toBe(
        true,
      );
      await shot(page, '08-list-created');
      await expectAccessible(page, 'the template list');
    });

    test('clone, set as default (optimistic, rolled back when refused), edit and delete', async ({
      page,
    }) => {
      test.setTimeout(180_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signIn(page, user);
      await page.getByRole('menuitem', { name: 'Node Templates' }).first().click();
      await expect(row(page, 'Production-General')).toBeVisible();

      // Clone: the name is suggested and free; the copy is never the default.
      await rowAction(page, 'Production-General', 'Clone');
      const cloneDialog = page.getByRole('dialog').filter({ hasText: 'Clone “Production-General”' });
      await expect(cloneDialog.getByRole('textbox')).toHaveValue('Production-General copy');
      await cloneDialog.getByRole('textbox').fill('GPU Workloads');
      await cloneDialog.getByRole('button', { name: 'Clone' }).click();
      await expect(row(page, 'GPU Workloads')).toBeVisible();
      await expect(row(page, 'GPU Workloads').getByText('DEFAULT')).toHaveCount(0);

      // The search filters as the person types.
      await page.getByLabel('Search templates by name').fill('gpu');
      await expect(row(page, 'Production-General')).toHaveCount(0);
      await expect(row(page, 'GPU Workloads')).toBeVisible();
      await page.getByLabel('Search templates by name').fill('');

      // A refused "set default" moves the star and puts it back with a message.
      await page.route('**/api/client/node-templates/*/default', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            message: 'The service is busy; try again.',
            code: 'BUSY',
            requestId: 'e2e',
          }),
        }),
      );
      const gpuStar = row(page, 'GPU Workloads').getByRole('button', {
        name: /Set GPU Workloads as the default/,
      });
      await gpuStar.click();
      await expect(page.getByText(/The default did not change/)).toBeVisible();
      await expect(row(page, 'Production-General').getByText('DEFAULT')).toBeVisible();
      await expect(row(page, 'GPU Workloads').getByText('DEFAULT')).toHaveCount(0);
      await page.unroute('**/api/client/node-templates/*/default');

      // Accepted: the star moves at once and stays after a reload.
      await gpuStar.click();
      await expect(
        row(page, 'GPU Workloads').getByRole('button', { name: 'GPU Workloads is the default template' }),
      ).toHaveAttribute('aria-pressed', 'true');
      await expect(row(page, 'Production-General').getByText('DEFAULT')).toHaveCount(0);
      await page.reload();
      await expect(row(page, 'GPU Workloads').getByText('DEFAULT')).toBeVisible();
      await shot(page, '09-default-moved');

      // Edit: the wizard opens with the template; the change is in the row after Save.
      await rowAction(page, 'Production-General', 'Edit');
      const wizard = page.getByTestId('template-wizard');
      await expect(wizard.getByLabel('Template Name')).toHaveValue('Production-General');
      await wizard.getByLabel('Template Name').fill('Production-General v2');
      for (let i = 0; i < 4; i++) await wizard.getByRole('button', { name: 'Next' }).click();
      await expect(wizard.getByTestId('summary-json')).toContainText('"name": "Production-General v2"');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(wizard).toBeHidden();
      await expect(row(page, 'Production-General v2')).toBeVisible();

      // Export: the API renders the NodePool for a named cluster.
      await rowAction(page, 'Production-General v2', 'Export NodePool');
      const exportDialog = page.getByRole('dialog').filter({ hasText: 'to Karpenter' });
      await exportDialog.getByLabel('EKS cluster name').fill('prod-web');
      await exportDialog.getByRole('button', { name: 'Render' }).click();
      await expect(exportDialog.getByTestId('karpenter-yaml')).toContainText(
        'karpenter.sh/discovery: prod-web',
      );
      await shot(page, '10-export');
      await page.keyboard.press('Escape');

      // Delete asks first; the row goes away.
      await rowAction(page, 'Production-General v2', 'Delete');
      const confirm = page.getByRole('dialog').filter({ hasText: 'Delete “Production-General v2”?' });
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await expect(row(page, 'Production-General v2')).toHaveCount(0);
      await expect(row(page, 'GPU Workloads')).toBeVisible();
      await shot(page, '11-after-delete');
    });
  });
