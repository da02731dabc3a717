import type { UserRole } from '@spot/shared';
import { createRouter, createWebHistory, type RouteRecordRaw, type RouteRecordSingleView } from 'vue-router';
import { landingRoute } from './auth-gateway';
import { type PageName, type PageRoute, pageRoutes } from './route-table';
import { useAccountsStore } from './stores/accounts';
import { useAuthStore } from './stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    /** The document title and, for sidebar pages, the sidebar name and the page's h1. */
    title?: string;
    /** Reachable without a session. */
    public?: boolean;
    /** Only users of this role; others are sent to their landing page. */
    role?: UserRole;
    /** The page is filtered by the top bar's account filter, which is kept in `?account=`. */
    accountFilter?: boolean;
    /** The sidebar item to highlight when the page is not itself in the sidebar (e.g. one cluster). */
    navKey?: string;
  }
}

/** The component of each page, lazily loaded; the record's type makes a page without one a type error. */
const pageComponents: Record<PageName, RouteRecordSingleView['component']> = {
  login: () => import('./pages/LoginPage.vue'),
  snooze: () => import('./pages/SnoozePage.vue'),
  // The first-run wizard, shown over the dashboard inside the shell.
  onboarding: () => import('./pages/OnboardingPage.vue'),
  dashboard: () => import('./pages/DashboardPage.vue'),
  clusters: () => import('./pages/ClustersPage.vue'),
  cluster: () => import('./pages/ClusterPage.vue'),
  'node-templates': () => import('./pages/NodeTemplatesPage.vue'),
  policies: () => import('./pages/PoliciesPage.vue'),
  hibernation: () => import('./pages/HibernationPage.vue'),
  'audit-logs': () => import('./pages/AuditLogsPage.vue'),
  accounts: () => import('./pages/AccountsPage.vue'),
  admin: () => import('./pages/AdminPage.vue'),
};

const recordOf = (page: PageRoute, path: string): RouteRecordRaw => ({
  path,
  name: page.name,
  component: pageComponents[page.name as PageName],
  meta: {
    title: page.title,
    ...(page.public ? { public: true } : {}),
    ...(page.role ? { role: page.role } : {}),
    ...(page.accountFilter === false ? { accountFilter: false } : {}),
    ...(page.navKey ? { navKey: page.navKey } : {}),
  },
});

const routes: RouteRecordRaw[] = [
  ...pageRoutes.filter((p) => 'public' in p && p.public).map((p) => recordOf(p, p.path)),
  {
    path: '/',
    component: () => import('./components/layout/AppShell.vue'),
    meta: { accountFilter: true },
    children: [
      // Never rendered: the guard sends `/` through the gateway.
      { path: '', name: 'home', component: { render: () => null } },
      ...pageRoutes.filter((p) => !('public' in p && p.public)).map((p) => recordOf(p, p.path.slice(1))),
      { path: 'settings', redirect: { name: 'accounts' } },
      // The page's earlier address, kept so bookmarks keep working.
      { path: 'settings/cloud-integrations', redirect: { name: 'accounts' } },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  const auth = useAuthStore();

  if (to.meta.public) {
    // A signed-in user opening /login goes where the gateway sends them.
    if (to.name === 'login' && auth.isAuthenticated) {
      try {
        return await landingRoute(to.query.redirect);
      } catch {
        return auth.isAuthenticated ? true : { name: 'login' };
      }
    }
    return true;
  }

  if (!auth.isAuthenticated) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }

  if (to.name === 'home') {
    try {
      return await landingRoute();
    } catch {
      if (!auth.isAuthenticated) return { name: 'login' };
      return { name: 'dashboard' };
    }
  }

  try {
    await auth.ensureMe();
  } catch {
    // The session was rejected: sign in again. Any other failure is shown by the shell with a Retry.
    if (!auth.isAuthenticated) return { name: 'login', query: { redirect: to.fullPath } };
  }

  if (to.meta.role && auth.role && to.meta.role !== auth.role) {
    return auth.role === 'admin' ? { name: 'admin' } : { name: 'dashboard' };
  }

  if (to.meta.accountFilter) {
    // The URL wins when it names an account; otherwise the current filter is carried to the new page.
    const accounts = useAccountsStore();
    const fromQuery = typeof to.query.account === 'string' && to.query.account ? to.query.account : null;
    if (fromQuery) accounts.selectAccount(fromQuery);
    else if (accounts.selectedAccountId) {
      return {
        path: to.path,
        hash: to.hash,
        query: { ...to.query, account: accounts.selectedAccountId },
        replace: true,
      };
    }
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · Spot Optimizer` : 'Spot Optimizer';
});
