import type { RouteLocationRaw } from 'vue-router';
import { useAccountsStore } from './stores/accounts';
import { useAuthStore } from './stores/auth';

/** A `?redirect=` value is followed only when it is a path inside this app (no open redirect). */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return null;
  if (value.startsWith('/login')) return null;
  return value;
}

/**
 * The specification's AuthGateway: where a signed-in user lands. The page they were sent away from
 * first; otherwise admins go to the admin console, and clients to onboarding while they have no account
 * or only the sign-up placeholder (unless they skipped the wizard before), else to the dashboard.
 */
export async function landingRoute(redirect?: unknown): Promise<RouteLocationRaw> {
  const me = await useAuthStore().ensureMe();
  const target = safeRedirect(redirect);
  if (target) return target;
  if (me.role === 'admin') return { name: 'admin' };
  const accounts = useAccountsStore();
  try {
    await accounts.ensureLoaded();
  } catch {
    // The dashboard shows the failure with a Retry button; better there than stuck on the sign-in page.
    return { name: 'dashboard' };
  }
  if (accounts.needsOnboarding && !me.onboardingWizardSeen) return { name: 'onboarding' };
  return { name: 'dashboard' };
}
