import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { machado2009 } from '../web/src/lib/colour-vision';
import { e2eDataDir, screenshotDir } from './playwright.config';

/** What the browser specs share: screenshots, new users, the sandbox's keys, the sign-up form. */

const root = join(import.meta.dirname, '..');
mkdirSync(join(root, screenshotDir), { recursive: true });

/** Where a screenshot goes: `.test-results/screenshots/<name>.png` in the repository. */
export const screenshotPath = (name: string) => join(root, screenshotDir, `${name}.png`);

/** A full-page screenshot in `.test-results/screenshots/<prefix><name>.png`. */
export const screenshotter = (prefix: string) => (page: Page, name: string) =>
  page.screenshot({ path: screenshotPath(`${prefix}${name}`), fullPage: true });

/**
 * A full-page screenshot of the page as a person with protanopia or deuteranopia sees it: Machado et al.
 * 2009's matrix (severity 1.0, the one the palette's unit test uses) as an SVG `feColorMatrix` filter on
 * the whole document. SVG filters work in linear RGB by default, as the matrices do.
 */
export async function screenshotAs(page: Page, name: string, vision: keyof typeof machado2009) {
  const values = `${machado2009[vision].map((row) => `${row.join(' ')} 0 0`).join(' ')} 0 0 0 1 0`;
  await page.evaluate((matrix) => {
    const doc = (globalThis as unknown as { document: SimDocument }).document;
    const holder = doc.createElement('div');
    holder.id = 'cvd-simulation';
    holder.innerHTML = `<svg width="0" height="0" style="position:absolute"><filter id="cvd-filter"><feColorMatrix type="matrix" values="${matrix}"/></filter></svg>`;
    doc.body.appendChild(holder);
    doc.documentElement.style.filter = 'url(#cvd-filter)';
  }, values);
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: SimDocument }).document;
    doc.documentElement.style.filter = '';
    doc.getElementById('cvd-simulation')?.remove();
  });
}

interface SimElement {
  id: string;
  innerHTML: string;
  style: { filter: string };
  remove(): void;
}
interface SimDocument {
  body: { appendChild(e: SimElement): void };
  documentElement: SimElement;
  createElement(tag: string): SimElement;
  getElementById(id: string): SimElement | null;
}

export interface SandboxKeys {
  accessKeyId: string;
  secretAccessKey: string;
  awsAccountId?: string;
  region?: string;
}

/**
 * The access keys of the sandbox cloud's `index`-th account, from `<dataDir>/sandbox.json` (written by the
 * local stack when the sandbox starts). Read by shape, not by path: the objects holding an access key id
 * and a secret, in document order, with the account id and region beside them when present. Specs that
 * connect an account use different indexes: one AWS account belongs to one organization.
 */
export function sandboxKeys(index = 0): SandboxKeys | null {
  const file = join(root, process.env.E2E_DATA_DIR ?? e2eDataDir, 'sandbox.json');
  if (!existsSync(file)) return null;
  const found: SandboxKeys[] = [];
  const collect = (value: unknown, accountId?: string): void => {
    if (Array.isArray(value)) {
      for (const v of value) collect(v, accountId);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    const ownId = typeof o.awsAccountId === 'string' ? o.awsAccountId : accountId;
    if (typeof o.accessKeyId === 'string' && typeof o.secretAccessKey === 'string') {
      found.push({
        accessKeyId: o.accessKeyId,
        secretAccessKey: o.secretAccessKey,
        awsAccountId: ownId,
        region: typeof o.region === 'string' ? o.region : undefined,
      });
      return;
    }
    for (const v of Object.values(o)) collect(v, ownId);
  };
  collect(JSON.parse(readFileSync(file, 'utf8')));
  return found[index] ?? null;
}

export const newUser = (prefix: string) => ({
  org: `${prefix} ${randomUUID().slice(0, 6)}`,
  email: `${prefix.toLowerCase().replaceAll(/[^a-z]/g, '')}-${randomUUID().slice(0, 8)}@example.com`,
  password: 'E2e-Password-123!',
});

export async function signUp(page: Page, user: ReturnType<typeof newUser>) {
  await page.goto('/login');
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Organization name').fill(user.org);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/onboarding/);
}

/**
 * Signs in through the form and waits to land where `landing` says (the dashboard by default). On a busy
 * 2-core machine the sign-in and the landing page's first reads can take a while, so it waits up to 45 s;
 * if the form reports a failure instead, the assertion's message carries the form's own words.
 */
export async function signIn(
  page: Page,
  user: { email: string; password: string },
  landing: RegExp = /\/dashboard/,
) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const failure = page.locator('.n-alert').filter({ hasText: 'Sign-in failed' });
  await expect
    .poll(
      async () => {
        if (landing.test(new URL(page.url()).pathname)) return 'landed';
        if (await failure.isVisible())
          return `the form says: ${((await failure.textContent()) ?? '').trim()}`;
        return `still at ${new URL(page.url()).pathname}`;
      },
      { timeout: 45_000, message: `sign-in as ${user.email} lands on ${landing}` },
    )
    .toBe('landed');
}

/** Naive UI's select: type to filter (tag mode also accepts a code it does not list), Enter picks. */
export async function chooseRegion(page: Page, region: string) {
  await page.getByRole('dialog').getByRole('textbox', { name: 'Region' }).click();
  await page.keyboard.type(region);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog').getByText(region, { exact: false }).first()).toBeVisible();
}

/** Fills the wizard's access-key form with the sandbox's keys (the "Lab / Dev" method must be open). */
export async function fillSandboxKeys(page: Page, keys: SandboxKeys, accountName: string) {
  const wizard = page.getByRole('dialog');
  await wizard.getByLabel('Access Key ID').fill(keys.accessKeyId);
  await wizard.getByLabel('Secret Access Key').fill(keys.secretAccessKey);
  if (keys.awsAccountId) await wizard.getByLabel('AWS Account ID (optional)').fill(keys.awsAccountId);
  if (keys.region && keys.region !== 'us-east-1') await chooseRegion(page, keys.region);
  await wizard.getByLabel('Account name (optional)').fill(accountName);
}

/**
 * Signs `user` up and, in the onboarding wizard, opens the access-key method and fills in the keys of the
 * sandbox's `index`-th account; the caller presses Connect (the dashboard spec times what follows).
 */
export async function signUpWithSandboxKeys(
  page: Page,
  user: ReturnType<typeof newUser>,
  index: number,
  accountName: string,
) {
  const keys = sandboxKeys(index);
  expect(keys, `sandbox account ${index} in <dataDir>/sandbox.json (the e2e world has three)`).not.toBeNull();
  if (!keys) throw new Error(`no sandbox account ${index}`);
  await signUp(page, user);
  const wizard = page.getByRole('dialog');
  await wizard.getByRole('button', { name: 'Start Setup' }).click();
  await wizard.getByRole('button', { name: /Lab \/ Dev/ }).click();
  await fillSandboxKeys(page, keys, accountName);
  return { wizard, keys };
}

/**
 * WCAG 2.1 AA as axe-core checks it, on the page as it is now (or within `selector`). A violation fails
 * with its rule, impact and the first offending nodes, so the report says what to fix.
 */
export async function expectAccessible(page: Page, what: string, selector?: string) {
  const { AxeBuilder } = await import('@axe-core/playwright');
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (selector) builder = builder.include(selector);
  const { violations } = await builder.analyze();
  const summary = violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} -> ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')} ${n.html.slice(0, 100)}`)
        .join(' | ')}`,
  );
  expect(summary, `axe-core violations on ${what}`).toEqual([]);
}

/** A JSON call to the API from inside the page, with the signed-in user's token (as the SPA sends it). */
export async function apiCall(page: Page, path: string, init: { method?: string; body?: unknown } = {}) {
  return page.evaluate(
    async ({ path, init }) => {
      const g = globalThis as unknown as {
        localStorage: { getItem(key: string): string | null };
        fetch: typeof fetch;
      };
      const token = (JSON.parse(g.localStorage.getItem('spot.session') ?? '{}') as { accessToken?: string })
        .accessToken;
      const res = await g.fetch(path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    { path, init },
  );
}
