import { expect, type Page, type Route, test } from '@playwright/test';
import { pageRoutes } from '../web/src/route-table';
import { expectAccessible, newUser, screenshotter, signIn, signUp } from './helpers';

/**
 * WCAG 2.1 AA as a standing property: every page the router knows (`web/src/route-table.ts`), in its
 * empty, loading and error states, without one axe-core violation; and no page scrolls sideways at
 * 1280 × 720 or at 200 % zoom of it. The loaded state of each page is checked where its data exists (the
 * dashboard, templates, policies, hibernation and audit specs). A page added to the route table is swept
 * here without anyone writing a test for it.
 */

const shot = screenshotter('a11y-');
const user = newUser('Access');

/** The client pages of the shell; the admin console has its own user (shell spec) and login is public. */
const shellPages = pageRoutes.filter((r) => !('public' in r) && !('role' in r && r.role === 'admin'));
/** A concrete address for a route: parameters get an id no organization has (its not-found state). */
const addressOf = (path: string) => path.replaceAll(/:[a-z]+/gi, 'c-unknown');

/** Opens a page and waits until it has its heading and has settled its requests. */
async function open(page: Page, path: string) {
  await page.goto(addressOf(path));
  // Attached, not visible: a page may keep a visually hidden h1 while it loads or after it failed.
  await expect(page.locator('h1').first()).toBeAttached();
  await page.waitForLoadState('networkidle');
}

test.describe
  .serial('accessibility of every page', () => {
    test('every page passes axe-core empty, while loading and after a failed load', async ({ page }) => {
      test.setTimeout(480_000);
      await signUp(page, user);
      await expectAccessible(page, 'onboarding wizard (first run)');
      await page.getByRole('button', { name: 'Skip for now' }).click();
      await expect(page).toHaveURL(/\/dashboard/);

      for (const route of shellPages) {
        // Empty: a new organization without an account.
        await open(page, route.path);
        await expectAccessible(page, `${route.name} (empty)`);
        await shot(page, `${route.name}-empty`);

        // Loading: every API answer held back while axe looks at the skeletons.
        const held: Route[] = [];
        await page.route('**/api/client/**', (r) => {
          held.push(r);
        });
        await page.goto(addressOf(route.path));
        await expect(page.locator('h1').first()).toBeAttached();
        await expectAccessible(page, `${route.name} (loading)`);
        await page.unroute('**/api/client/**');
        for (const r of held) await r.abort().catch(() => undefined);

        // Error: every API call fails; the page says so (with a way to retry) and stays accessible.
        await page.route('**/api/client/**', (r) =>
          r.fulfill({
            status: 500,
            contentType: 'application/json',
            body: JSON.stringify({
              code: 'INTERNAL',
              message: 'Something went wrong on our side. Try again.',
            }),
          }),
        );
        await open(page, route.path);
        await expectAccessible(page, `${route.name} (error)`);
        await shot(page, `${route.name}-error`);
        await page.unroute('**/api/client/**');
      }
    });

    test('the sign-in page passes axe-core signed out', async ({ page }) => {
      await page.goto('/login');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expectAccessible(page, 'login');
      await page.getByRole('tab', { name: 'Sign up' }).click();
      await expectAccessible(page, 'sign-up form');
    });

    test('no page scrolls sideways at 1280 × 720 or at 200 % zoom (640 × 360 CSS pixels)', async ({
      page,
    }) => {
      test.setTimeout(120_000);
      await signIn(page, user, /^\/(?!login)/);
      const overflowing: string[] = [];
      for (const viewport of [
        { width: 1280, height: 720 },
        { width: 640, height: 360 },
      ]) {
        await page.setViewportSize(viewport);
        for (const route of shellPages) {
          await open(page, route.path);
          // The e2e project has no DOM types: the window is read by shape.
          const { scrollWidth, innerWidth } = await page.evaluate(() => {
            const w = globalThis as unknown as {
              innerWidth: number;
              document: { documentElement: { scrollWidth: number } };
            };
            return { scrollWidth: w.document.documentElement.scrollWidth, innerWidth: w.innerWidth };
          });
          if (scrollWidth > innerWidth) {
            overflowing.push(`${route.name} at ${viewport.width}px: ${scrollWidth}px wide`);
            await shot(page, `${route.name}-overflow-${viewport.width}`);
          }
        }
      }
      expect(overflowing, 'pages wider than the window').toEqual([]);
    });
  });
