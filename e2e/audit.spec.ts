import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, newUser, screenshotter, signUp } from './helpers';

const shot = screenshotter('audit-');
const user = newUser('Audit');

/** The signed-in user's access token, for a request the UI would never send. */
const accessToken = (page: Page) =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } })
      .localStorage;
    const raw = storage.getItem('spot.session');
    return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : '';
  });

const trail = (page: Page) => page.getByTestId('audit-table');
const rowsOf = (page: Page) => trail(page).locator('tbody tr');

/** Naive UI's select in a filter: open it by its labelled input, type to narrow, Enter picks. */
async function chooseFilter(page: Page, label: string, option: string) {
  await page.getByRole('textbox', { name: label, exact: true }).click();
  await page.keyboard.type(option);
  await page.keyboard.press('Enter');
}

test.describe
  .serial('audit logs & compliance center', () => {
    test('actions of a person are audited, filtered, opened, verified, exported with a checksum and re-verified', async ({
      page,
    }) => {
      test.setTimeout(240_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signUp(page, user);
      await page.getByRole('dialog').getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);

      // 1. An audited change with a before and after: the organization default policy, autoscaling off.
      await page.getByRole('menuitem', { name: 'Optimization Policies' }).first().click();
      await expect(page.getByRole('heading', { level: 1, name: 'Optimization Policies' })).toBeVisible();
      await page.getByTestId('autoscaling-enabled').click();
      await page.getByTestId('save-policy').click();
      await expect(page.getByText('Policy saved.', { exact: false })).toBeVisible();

      // 2. A refused mutating request (a retention the API does not allow) is recorded as Failed.
      const refused = await page.request.put('/api/client/audit/settings', {
        headers: { authorization: `Bearer ${await accessToken(page)}` },
        data: { version: 0, retentionDays: 5, destinations: [] },
      });
      expect(refused.status()).toBe(400);

      // 3. The compliance settings: 90 days, a Splunk destination whose token is never shown back.
      await page.getByRole('menuitem', { name: 'Audit Logs' }).first().click();
      await expect(
        page.getByRole('heading', { level: 1, name: 'Audit Logs & Compliance Center' }),
      ).toBeVisible();
      await page.getByRole('tab', { name: 'Compliance Settings' }).click();
      await expect(page.getByTestId('retention-value')).toHaveText('Indefinite');
      await expect(page.getByTestId('cost-warning')).toContainText(
        'Retaining logs for > 1 year may incur additional storage fees.',
      );
      await page.getByTestId('retention-slider').focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
      await expect(page.getByTestId('retention-value')).toHaveText('90 days');
      await expect(page.getByTestId('cost-warning')).toHaveCount(0);
      await page.getByRole('button', { name: '+ Splunk HEC' }).click();
      const splunk = page.getByTestId('destination-splunk');
      await splunk.getByLabel('Name').fill('Security Splunk');
      await splunk.getByLabel('Splunk HEC URL').fill('https://127.0.0.1:9/services/collector');
      await page.getByTestId('save-settings').click();
      await expect(splunk.getByText('Required for a new Splunk destination')).toBeVisible();
      await splunk.getByLabel('Splunk HEC token').fill('12345678-1234-1234-1234-123456789abc');
      // The error fades out (an animation axe would measure mid-way); the help text takes its place.
      await expect(splunk.getByText('Required for a new Splunk destination')).toHaveCount(0);
      await shot(page, '01-settings-edit');
      await expectAccessible(page, 'the compliance settings');
      await page.getByTestId('save-settings').click();
      const confirm = page.getByRole('dialog');
      await expect(confirm).toContainText('Records older than 90 days will expire');
      await confirm.getByRole('button', { name: 'Change retention and save' }).click();
      await expect(page.getByText('Compliance settings saved.')).toBeVisible();
      await expect(splunk.getByText('secret set')).toBeVisible();
      await expect(splunk.getByLabel('Splunk HEC token')).toHaveValue('');
      await splunk.getByRole('button', { name: 'Send test event' }).click();
      await expect(splunk.getByTestId('test-event-result')).toBeVisible({ timeout: 30_000 });
      await shot(page, '02-settings-saved');

      // 4. The trail, newest first, with the person's avatar initials and the events in words.
      // Back on the trail tab, the records written meanwhile are there without a reload.
      await page.getByRole('tab', { name: 'Audit Trail' }).click();
      await expect(trail(page)).toBeVisible();
      await expect(rowsOf(page).first()).toBeVisible();
      for (const event of [
        'Sent SIEM Test Event',
        'Modified Policy',
        'Modified Audit Settings',
        'Created Organization',
      ])
        await expect(trail(page).getByRole('button', { name: event, exact: true }).first()).toBeVisible();
      await expect(
        trail(page)
          .getByText(/\d{2}:\d{2}:\d{2}\.\d{3} UTC/)
          .first(),
      ).toBeVisible();
      await expect(trail(page).getByText('Failed', { exact: true }).first()).toBeVisible();
      await shot(page, '03-trail');
      await expectAccessible(page, 'the audit trail');

      // 5. Server-side filter by outcome: only the refused request remains.
      await chooseFilter(page, 'Outcome', 'Failed');
      await expect(rowsOf(page)).toHaveCount(1);
      await expect(rowsOf(page).first()).toContainText('Modified Audit Settings');
      await expect(rowsOf(page).first()).toContainText('Failed');
      await shot(page, '04-filter-failed');
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await chooseFilter(page, 'Event', 'Modified Policy');
      await expect(rowsOf(page)).toHaveCount(1);

      // 6. The drawer: the policy change field by field, forensics and the chain links.
      await trail(page).getByRole('button', { name: 'Modified Policy' }).press('Enter');
      const drawer = page.getByTestId('audit-drawer');
      await expect(drawer).toBeVisible();
      const changes = drawer.getByTestId('audit-changes');
      await expect(changes).toContainText('Enabled');
      await expect(changes).toContainText('on');
      await expect(changes).toContainText('off');
      await expect(drawer.getByText('Source IP')).toBeVisible();
      await expect(drawer.getByText('Request ID')).toBeVisible();
      await expect(drawer.getByTestId('audit-hash')).toHaveText(/^[0-9a-f]{64}$/);
      await expect(drawer.getByTestId('audit-prev-hash')).toHaveText(/^[0-9a-f]{64}$/);
      await shot(page, '05-drawer');
      await expectAccessible(page, 'the record drawer', '.n-drawer');
      await page.keyboard.press('Escape');
      await expect(drawer).toHaveCount(0);

      // 7. The whole chain verifies.
      await page.getByTestId('verify-chain').click();
      await expect(page.getByTestId('chain-result')).toContainText('Chain intact');
      await shot(page, '06-chain-valid');

      // 8. Export the last 30 days as CSV: the file's SHA-256 is the checksum the page shows.
      await page.getByRole('tab', { name: 'Export & Reporting' }).click();
      await expect(page.getByText('Covers', { exact: false })).toBeVisible();
      const downloading = page.waitForEvent('download');
      await page.getByTestId('download-report').click();
      const download = await downloading;
      const path = await download.path();
      const file = readFileSync(path);
      expect(download.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
      expect(file.toString('utf8')).toContain('policy.update');
      const shown = (await page.getByTestId('export-sha256').locator('code').textContent())?.trim();
      expect(shown).toMatch(/^[0-9a-f]{64}$/);
      expect(createHash('sha256').update(file).digest('hex')).toBe(shown);
      await expect(page.getByText('The file received has exactly this checksum.')).toBeVisible();

      // 9. The auditor's check: the file and its signature verify on the server.
      await page.getByLabel(/Export file/).setInputFiles(path);
      await page.getByRole('button', { name: /Use the signature of/ }).click();
      await page.getByTestId('verify-export').click();
      await expect(page.getByTestId('verify-export-result')).toContainText('Authentic');
      await shot(page, '07-export-verified');
      await expectAccessible(page, 'export and verification');

      // An edited file does not.
      await page.getByLabel(/Export file/).setInputFiles({
        name: download.suggestedFilename(),
        mimeType: 'text/csv',
        buffer: Buffer.concat([file, Buffer.from('\n')]),
      });
      await page.getByTestId('verify-export').click();
      await expect(page.getByTestId('verify-export-result')).toContainText('Not authentic');

      // 10. The policy page's "Last updated by" link opens the trail filtered to policy events.
      await page.getByRole('menuitem', { name: 'Optimization Policies' }).first().click();
      await page.getByTestId('last-updated').getByRole('link').click();
      await expect(page).toHaveURL(/\/audit-logs\?action=policy/);
      await expect(rowsOf(page)).toHaveCount(1);
      await expect(rowsOf(page).first()).toContainText('Modified Policy');
    });
  });
