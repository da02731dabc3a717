import { expect, type Page, test } from '@playwright/test';
import { apiCall, expectAccessible, newUser, screenshotter, signIn, signUpWithSandboxKeys } from './helpers';

/**
 * Cluster hibernation on discovered sandbox clusters (issue 15), in an organization of its own: it connects
 * the sandbox's third account (the `e2e` world, four small dev clusters), so this chain runs beside the
 * dashboard's and neither sees the other's sleeping or scheduled clusters (ADR 0056). Each test after the
 * first takes a cluster nobody has scheduled yet, and there are exactly enough of them.
 */
const shot = screenshotter('dash-');
const user = newUser('Hibernation');
const signInAgain = (page: Page) => signIn(page, user);

/** The weekday (0 = Monday), half-hour slot and minutes left in it, on the wall clock of `zone`. */
function wallSlot(zone: string, at = new Date()) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const minutes = Number(part('hour')) * 60 + Number(part('minute'));
  return {
    day: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part('weekday')),
    slot: Math.floor(minutes / 30),
    minutesLeft: 30 - (minutes % 30),
  };
}

/** Opens Cluster Hibernation on the first cluster that has no schedule, manual override or sleep yet. */
async function openUnscheduledCluster(page: Page) {
  await page.getByRole('menuitem', { name: 'Cluster Hibernation' }).first().click();
  await expect(page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 })).toBeVisible();
  const row = page
    .getByTestId('fleet-list')
    .locator('tbody tr')
    .filter({ has: page.getByTestId('fleet-state').getByText('NO SCHEDULE', { exact: true }) });
  await expect(row.first()).toBeVisible();
  const clusterId = (await row.first().getAttribute('data-cluster')) ?? '';
  const name = ((await row.first().locator('button.name').textContent()) ?? '').trim();
  await row.first().locator('button.name').click();
  await expect(page.getByTestId('editing-cluster')).toContainText(name);
  return { clusterId, name };
}

test.describe
  .serial('cluster hibernation on the sandbox', () => {
    test('a new user connects the third sandbox account and its clusters are listed for hibernation', async ({
      page,
    }) => {
      test.setTimeout(240_000);
      const { wizard } = await signUpWithSandboxKeys(page, user, 2, 'Sandbox QA');
      await wizard.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect(wizard.getByRole('heading', { name: 'Account Connected!' })).toBeVisible({
        timeout: 30_000,
      });
      await wizard.getByRole('button', { name: 'Go to Dashboard' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      // The scan finds the account's four clusters in its four regions; each is then in the fleet list.
      await page.getByRole('menuitem', { name: 'Cluster Hibernation' }).first().click();
      await expect(page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 })).toBeVisible();
      await expect
        .poll(
          async () => {
            await page.reload();
            await expect(page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 })).toBeVisible();
            return page.getByTestId('fleet-list').locator('tbody tr[data-cluster]').count();
          },
          {
            timeout: 180_000,
            intervals: [5_000],
            message: 'the four clusters of the third account are listed',
          },
        )
        .toBe(4);
    });

    // Cluster hibernation on a discovered sandbox cluster (issue 15): paint the week with the mouse and the
    // keyboard, import national holidays, save, hibernate now (the sandbox groups scale to zero and the rate
    // shows), then wake for an hour.
    test('the hibernation page paints a schedule, imports holidays, hibernates now and wakes for an hour', async ({
      page,
    }) => {
      // About 100-130 s on a quiet 2-core machine beside two other browser workers.
      test.setTimeout(240_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signInAgain(page);
      await page.getByRole('menuitem', { name: 'Cluster Hibernation' }).first().click();
      await expect(page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 })).toBeVisible();
      const fleet = page.getByTestId('fleet-list');
      const rows = fleet.locator('tbody tr');
      await expect(rows.first()).toBeVisible();
      const pick = rows.last().locator('button.name');
      const name = ((await pick.textContent()) ?? '').trim();
      await pick.click();
      await expect(page.getByTestId('editing-cluster')).toContainText(name);
      await expect(page.getByTestId('command-center')).toBeVisible();

      // Paint: clear the week, then drag Monday 08:00 to Friday 18:30 (one rectangle) with the mouse.
      await page.getByTestId('schedule-enabled').click();
      await page.getByRole('button', { name: 'Clear (always asleep)' }).click();
      const painter = page.getByTestId('weekly-painter');
      const cell = (day: number, slot: number) => painter.locator(`[data-day="${day}"][data-slot="${slot}"]`);
      const from = await cell(0, 16).boundingBox();
      const to = await cell(4, 37).boundingBox();
      if (!from || !to) throw new Error('painter cells are not laid out');
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
      await page.mouse.up();
      await expect(painter.getByRole('gridcell', { name: 'Friday 18:30–19:00, active' })).toBeVisible();
      await expect(cell(0, 15)).toHaveAttribute('data-state', 'pre-warm');
      await expect(cell(5, 20)).toHaveAttribute('data-state', 'sleep');
      // The keyboard: from Friday 18:30 up to Wednesday, Home, then right to 12:00 and Space sleeps that half hour.
      await cell(4, 37).focus();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Home');
      for (let i = 0; i < 24; i++) await page.keyboard.press('ArrowRight');
      await expect(painter.getByRole('gridcell', { name: 'Wednesday 12:00–12:30, active' })).toBeFocused();
      await page.keyboard.press('Space');
      await expect(painter.getByRole('gridcell', { name: 'Wednesday 12:00–12:30, sleep' })).toBeFocused();
      await expect(page.getByTestId('week-summary')).toContainText('Running 57.5 h of 168 h');
      await expect(page.getByTestId('clocks')).toContainText('Your local time');
      await shot(page, 'hib-10-weekly-painter');
      await expectAccessible(page, 'the hibernation page, weekly schedule');

      // Holidays: next year's US public holidays as calendar holidays, and a sprint day from a date's menu.
      await page.getByRole('tab', { name: 'Holidays & Exceptions' }).click();
      await page.getByTestId('import-holidays').click();
      const importer = page.getByTestId('holiday-import');
      const nextYear = new Date().getUTCFullYear() + 1;
      await importer.getByLabel('Year').fill(String(nextYear));
      await importer.getByTestId('holiday-preview').click();
      await expect(importer.getByTestId('holiday-summary')).toContainText(/\d+ to add/);
      await expect(importer.getByText(new RegExp(` 1 January ${nextYear}`))).toBeVisible();
      await shot(page, 'hib-20-holiday-import');
      await importer.getByTestId('holiday-confirm').click();
      const list = page.getByTestId('override-list');
      await expect(list).toContainText("New Year's Day");
      await expect(page.locator(`[data-date="${nextYear}-01-01"]`)).toHaveClass(/holiday/);
      const sprint = `${nextYear}-01-13`;
      await page.locator(`[data-date="${sprint}"]`).click({ button: 'right' });
      await page.getByRole('menuitem', { name: 'Set as Sprint Day (Active 24h)' }).click();
      await expect(page.locator(`[data-date="${sprint}"]`)).toHaveClass(/sprint-day/);
      await shot(page, 'hib-21-calendar');
      await expectAccessible(page, 'the hibernation page, calendar');
      await page.getByRole('tab', { name: 'Scope, Protection & Alerts' }).click();
      await expect(page.getByTestId('scope-full')).toBeChecked();
      await expect(page.getByTestId('critical-namespaces')).toBeVisible();
      await shot(page, 'hib-22-scope-protection-alerts');
      await expectAccessible(page, 'the hibernation page, scope, protection and alerts');

      // Save: version 1.
      await expect(page.getByTestId('unsaved-bar')).toContainText('You have unsaved changes');
      await page.getByTestId('save-schedule').click();
      await expect(page.getByTestId('unsaved-bar')).toBeHidden();
      await expect(page.getByTestId('editing-cluster')).toContainText('schedule version 1');

      // Hibernate now (confirmed): the badge sleeps and the savings rate is the sleeping groups' cost.
      await page.getByTestId('hibernate-now').click();
      await page.getByRole('dialog').getByRole('button', { name: 'Hibernate now' }).click();
      await expect(page.getByTestId('hibernation-badge')).toHaveText(/HIBERNATING/, { timeout: 30_000 });
      const rate = page.getByTestId('savings-rate');
      await expect(rate).toHaveText(/^\$[\d,.]+\/h$/);
      await expect
        .poll(async () => Number(((await rate.textContent()) ?? '').replace(/[^\d.]/g, '')))
        .toBeGreaterThan(0);
      await expect(page.getByTestId('countdown')).toContainText(/Time until wake up: \d+/);
      await expect(fleet.locator('tbody tr', { hasText: name }).getByTestId('fleet-state')).toHaveText(
        'HIBERNATING',
      );
      await page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 }).scrollIntoViewIfNeeded();
      await shot(page, 'hib-30-hibernating');

      // Wake up now for one hour.
      await page.getByTestId('wake-now').click();
      await page.getByTestId('wake-modal').getByTestId('wake-1h').click();
      await expect(page.getByTestId('hibernation-badge')).toHaveText(/ACTIVE|WAKING/, { timeout: 30_000 });
      await expect(page.getByTestId('command-center')).toContainText('Kept awake by hand until');
      await page.getByRole('heading', { name: 'Cluster Hibernation', level: 1 }).scrollIntoViewIfNeeded();
      await shot(page, 'hib-40-awake');
      await expectAccessible(page, 'the hibernation page after waking');
    });

    // Notices (issue 15, item 6): a schedule whose sleep is less than 30 minutes away sends its notice at
    // once; the local stack's outbox stands for SES and Slack; the Snooze link asks, then acts once.
    test('a hibernation notice reaches the local outbox, and its Snooze link keeps the cluster awake', async ({
      page,
    }) => {
      test.setTimeout(360_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signInAgain(page);
      const { clusterId, name } = await openUnscheduledCluster(page);
      const view = await apiCall(page, `/api/client/clusters/${clusterId}/hibernation`);
      const zone = String((view.body.schedule as { timeZone: string }).timeZone);
      // The sleep is the end of the current half hour: at least 4 minutes away, so the notice can arrive.
      let now = wallSlot(zone);
      if (now.minutesLeft < 4) {
        await page.waitForTimeout((now.minutesLeft * 60 + 15) * 1000);
        now = wallSlot(zone);
      }

      // Active only in the current half hour (cluster time), then asleep.
      await page.getByTestId('schedule-enabled').click();
      await page.getByRole('button', { name: 'Clear (always asleep)' }).click();
      const cell = page
        .getByTestId('weekly-painter')
        .locator(`[data-day="${now.day}"][data-slot="${now.slot}"]`);
      const box = await cell.boundingBox();
      if (!box) throw new Error('painter cell is not laid out');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.up();
      await expect(cell).toHaveAttribute('data-state', 'active');

      // Notifications: on, one email address and a Slack webhook (the local stack posts it to the outbox).
      const recipient = `notify-${Date.now()}@example.com`;
      await page.getByRole('tab', { name: 'Scope, Protection & Alerts' }).click();
      await page.getByTestId('notify-enabled').click();
      // Naive's tag select shows its input once focused: type into it, Enter makes the tag.
      await page.getByTestId('notify-emails').click();
      await page.keyboard.type(recipient);
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('notify-emails')).toContainText(recipient);
      await page
        .getByTestId('notify-slack')
        .locator('input')
        .fill('https://hooks.slack.com/services/T0E2E000/B0E2E000/e2eWebhookSecret00000000');
      await expect(page.getByTestId('notify-hint')).toContainText('a Snooze link of their own');
      await page.getByTestId('notify-hint').scrollIntoViewIfNeeded();
      await shot(page, 'hib-50-notification-settings');
      await page.getByTestId('save-schedule').click();
      await expect(page.getByTestId('unsaved-bar')).toBeHidden();
      // Write-only: after the save the webhook is only "set", never shown.
      await expect(
        page.getByText('A webhook is set (it is a credential: it is never shown again).'),
      ).toBeVisible();
      await expect(page.getByTestId('notify-slack')).toHaveCount(0);
      await expectAccessible(page, 'the hibernation page, notification settings');
      await shot(page, 'hib-51-notification-settings-saved');

      // The notice goes out within about a minute (EventBridge's precision, kept by the local scheduler).
      await expect
        .poll(
          async () => {
            const res = await page.request.get('/local/outbox/messages');
            const items = ((await res.json()) as { items: { to: string; channel: string }[] }).items;
            return items
              .filter((m) => m.to === recipient || m.channel === 'slack')
              .map((m) => m.channel)
              .sort();
          },
          { timeout: 150_000, intervals: [2_000] },
        )
        .toEqual(expect.arrayContaining(['email', 'slack']));

      await page.goto('/local/outbox');
      const notice = page.locator('article[data-channel="email"]', { hasText: recipient });
      await expect(notice).toContainText(`${name} goes to sleep in`);
      await expect(notice).toContainText('Save your work!');
      // When it sleeps, on the cluster's clock and in UTC.
      await expect(notice).toContainText(zone);
      await expect(notice).toContainText(' UTC)');
      await expect(page.locator('article[data-channel="slack"]').first()).toContainText('Snooze 2 hours');
      await shot(page, 'hib-60-outbox');

      await notice.getByRole('link', { name: 'Snooze 2 hours' }).click();
      await expect(page).toHaveURL(/\/snooze\?token=/);
      const snoozeUrl = page.url();
      await expect(page.getByRole('heading', { name: 'Snooze hibernation', level: 1 })).toBeVisible();
      const preview = page.getByTestId('snooze-preview');
      await expect(preview).toContainText(`${name}`);
      await expect(preview).toContainText(recipient);
      await expect(page.getByTestId('snooze-awake-until')).toContainText(zone);
      await shot(page, 'hib-61-snooze-confirm');
      await expectAccessible(page, 'the snooze confirmation');
      await page.getByTestId('snooze-confirm').click();
      await expect(page.getByTestId('snooze-done')).toContainText(`${name} stays awake until`);
      await shot(page, 'hib-62-snoozed');
      await expectAccessible(page, 'the snooze result');

      // A second click of the same link: refused, and says why.
      await page.goto(snoozeUrl);
      await expect(page.getByTestId('snooze-error')).toContainText('This link was already used');
      await expectAccessible(page, 'a used snooze link');
      await shot(page, 'hib-63-snooze-used');

      // The cluster: awake by the snooze, about 2 hours past its planned sleep.
      await page.goto(`/hibernation?cluster=${clusterId}`);
      await expect(page.getByTestId('editing-cluster')).toContainText(name);
      await expect(page.getByTestId('hibernation-badge')).toHaveText(/ACTIVE/);
      await expect(page.getByTestId('command-center')).toContainText('Kept awake by hand until');
      const status = (await apiCall(page, `/api/client/clusters/${clusterId}/hibernation`)).body.status as {
        manualOverride: { until: string; by: string } | null;
      };
      expect(status.manualOverride?.by).toBe('snooze-link');
      const awakeMs = Date.parse(status.manualOverride?.until ?? '') - Date.now();
      expect(awakeMs).toBeGreaterThan(2 * 3_600_000 - 5 * 60_000);
      expect(awakeMs).toBeLessThanOrEqual(2.5 * 3_600_000);
    });

    // Two tabs on one schedule: the second save is refused (409) with a message, and the newer version loads.
    test('a save over someone else’s newer save says so and offers their version', async ({
      page,
      context,
    }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signInAgain(page);
      const { clusterId, name } = await openUnscheduledCluster(page);
      const other = await context.newPage();
      await other.setViewportSize({ width: 1440, height: 900 });
      await other.goto(`/hibernation?cluster=${clusterId}`);
      await expect(other.getByTestId('editing-cluster')).toContainText(name);
      await other.getByTestId('schedule-enabled').click();
      await other.getByTestId('save-schedule').click();
      await expect(other.getByTestId('editing-cluster')).toContainText('schedule version 1');
      await other.close();

      // This tab still edits version 0.
      await page.getByRole('button', { name: 'Clear (always asleep)' }).click();
      await page.getByTestId('save-schedule').click();
      const alert = page.getByTestId('stale-alert');
      await expect(alert).toContainText('Someone saved this schedule since you opened it');
      await expect(alert).toContainText('Version 1 is the current one');
      await expect(page.getByTestId('unsaved-bar')).toBeVisible();
      await alert.scrollIntoViewIfNeeded();
      await shot(page, 'hib-70-stale-save');
      await expectAccessible(page, 'the hibernation page after a stale save');
      await page.getByTestId('load-current').click();
      await expect(page.getByTestId('stale-alert')).toBeHidden();
      await expect(page.getByTestId('editing-cluster')).toContainText('schedule version 1');
      await expect(page.getByTestId('unsaved-bar')).toBeHidden();
    });

    // Apply one saved schedule to several clusters at once (the fleet list's ticks).
    test('one schedule is applied to several clusters at once', async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      await signInAgain(page);
      const source = await openUnscheduledCluster(page);
      await page.getByTestId('schedule-enabled').click();
      await page.getByRole('button', { name: 'Clear (always asleep)' }).click();
      const painter = page.getByTestId('weekly-painter');
      const from = await painter.locator('[data-day="0"][data-slot="18"]').boundingBox();
      const to = await painter.locator('[data-day="3"][data-slot="33"]').boundingBox();
      if (!from || !to) throw new Error('painter cells are not laid out');
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
      await page.mouse.up();
      const summary = ((await page.getByTestId('week-summary').textContent()) ?? '').trim();
      // Four 8-hour days and a 30-minute pre-warm before each.
      expect(summary).toContain('Running 34 h of 168 h');
      await page.getByTestId('save-schedule').click();
      await expect(page.getByTestId('editing-cluster')).toContainText('schedule version 1');

      // Two other clusters (whatever their schedules were): each gets this week, keeping its own alerts.
      const fleet = page.getByTestId('fleet-list');
      const targets = fleet.locator('tbody tr').filter({ hasNotText: source.name });
      await expect(targets.nth(1)).toBeVisible();
      const names: string[] = [];
      for (const i of [0, 1]) {
        names.push(((await targets.nth(i).locator('button.name').textContent()) ?? '').trim());
      }
      for (const target of names)
        await fleet.getByRole('checkbox', { name: `Apply the open schedule to ${target}` }).check();
      await page.getByTestId('apply-schedule').click();
      const dialog = page.getByRole('dialog');
      await expect(dialog).toContainText(`Apply the schedule of ${source.name} to 2 clusters?`);
      await dialog.getByRole('button', { name: 'Apply' }).click();
      const results = page.getByTestId('apply-results');
      await expect(results).toContainText('Applied to 2 clusters');
      for (const target of names)
        await expect(results).toContainText(new RegExp(`${target}: ✓ Saved \\(version \\d+\\)\\.`));
      await results.scrollIntoViewIfNeeded();
      await shot(page, 'hib-80-applied-to-many');
      // Each target now runs the same week.
      await fleet.getByTestId(`fleet-open-${names[1]}`).click();
      await expect(page.getByTestId('editing-cluster')).toContainText(names[1] as string);
      await expect(page.getByTestId('week-summary')).toHaveText(summary);
    });
  });
