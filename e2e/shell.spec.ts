import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { signIn } from './helpers';
import { e2eDataDir, screenshotDir } from './playwright.config';

const root = join(import.meta.dirname, '..');
mkdirSync(join(root, screenshotDir), { recursive: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(root, screenshotDir, `${name}.png`), fullPage: true });

const sidebar = [
  { entry: 'Dashboard', heading: 'Dashboard', path: '/dashboard' },
  { entry: 'Clusters', heading: 'Clusters', path: '/clusters' },
  { entry: 'Node Templates', heading: 'Node Provisioning Templates', path: '/node-templates' },
  { entry: 'Optimization Policies', heading: 'Optimization Policies', path: '/policies' },
  { entry: 'Cluster Hibernation', heading: 'Cluster Hibernation', path: '/hibernation' },
  { entry: 'Audit Logs', heading: 'Audit Logs', path: '/audit-logs' },
  { entry: 'Cloud Integrations', heading: 'Cloud Integrations', path: '/settings/accounts' },
];

const user = {
  org: `E2E Org ${randomUUID().slice(0, 6)}`,
  email: `e2e-${randomUUID().slice(0, 8)}@example.com`,
  password: 'E2e-Password-123!',
};

test.describe
  .serial('the application shell', () => {
    test('a new user signs up, sees the live password policy, and lands on onboarding', async ({ page }) => {
      const first = await page.goto('/');
      // The gateway sends CloudFront's security headers; the page below runs under this CSP.
      expect(first?.headers()['content-security-policy']).toContain("script-src 'self';");
      await expect(page).toHaveURL(/\/login/);
      await shot(page, '01-login');
      await page.getByRole('tab', { name: 'Sign up' }).click();
      await page.getByLabel('Organization name').fill(user.org);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill('short');
      await expect(page.getByText('At least 12 characters')).toBeVisible();
      await shot(page, '02-signup-policy');
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page).toHaveURL(/\/onboarding/);
      await shot(page, '03-onboarding');
    });

    test('skipping onboarding shows the empty dashboard; every sidebar entry is routed', async ({ page }) => {
      // Every page of the shell runs under the production CSP without a single refusal.
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await signIn(page, user, /\/onboarding/);
      await page.getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);
      await expect(page.getByRole('button', { name: 'Connect AWS Account' })).toBeVisible();
      for (const item of sidebar) {
        await page.getByRole('menuitem', { name: item.entry }).first().click();
        await expect(page).toHaveURL(new RegExp(`${item.path}`));
        await expect(page.getByRole('heading', { level: 1, name: item.heading })).toBeVisible();
        await shot(page, `10-${item.path.replaceAll('/', '_').slice(1)}`);
      }
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.getByRole('menuitem', { name: 'Dashboard' }).first().click();
      await shot(page, '20-dashboard-1920');
      expect(cspViolations).toEqual([]);
    });

    test('the next sign-in goes straight to the dashboard, and sign-out returns to the login page', async ({
      page,
    }) => {
      await signIn(page, user);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page).toHaveURL(/\/login/);
      await page.goto('/audit-logs');
      await expect(page).toHaveURL(/\/login/);
    });

    test('a platform admin lands on the read-only admin console and sees the new organization', async ({
      page,
    }) => {
      const state = JSON.parse(readFileSync(join(root, e2eDataDir, 'stack.json'), 'utf8')) as {
        adminEmail?: string;
        adminPassword?: string;
        admin?: { email: string; password: string };
      };
      const email = state.admin?.email ?? state.adminEmail ?? '';
      const password = state.admin?.password ?? state.adminPassword ?? '';
      await signIn(page, { email, password }, /\/admin/);
      await expect(page.getByText(user.org)).toBeVisible();
      await shot(page, '30-admin');
    });
  });
