import type { UserRole } from '@spot/shared';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { landingRoute } from './auth-gateway';
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

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { public: true, title: 'Sign in' },
  },
  {
    path: '/',
    component: () => import('./components/layout/AppShell.vue'),
    meta: { accountFilter: true },
    children: [
      // Never rendered: the guard sends `/` through the gateway.
      { path: '', name: 'home', component: { render: () => null } },
      {
        // The first-run wizard, shown over the dashboard inside the shell.
        path: 'onboarding',
        name: 'onboarding',
        component: () => import('./pages/OnboardingPage.vue'),
        meta: { title: 'Welcome', role: 'client', accountFilter: false },
      },
      {
        path: 'dashboard',
        name: 'dashboard',
        component: () => import('./pages/DashboardPage.vue'),
        meta: { title: 'Dashboard' },
      },
      {
        path: 'clusters',
        name: 'clusters',
        component: () => import('./pages/ClustersPage.vue'),
        meta: { title: 'Clusters' },
      },
      {
        path: 'clusters/:id',
        name: 'cluster',
        component: () => import('./pages/ClusterPage.vue'),
        meta: { title: 'Cluster', navKey: 'clusters' },
      },
      {
        path: 'node-templates',
        name: 'node-templates',
        component: () => import('./pages/NodeTemplatesPage.vue'),
        meta: { title: 'Node Templates' },
      },
      {
        path: 'policies',
        name: 'policies',
        component: () => import('./pages/PoliciesPage.vue'),
        meta: { title: 'Optimization Policies' },
      },
      {
        path: 'hibernation',
        name: 'hibernation',
        component: () => import('./pages/HibernationPage.vue'),
        meta: { title: 'Cluster Hibernation' },
      },
      {
        path: 'audit-logs',
        name: 'audit-logs',
        component: () => import('./pages/AuditLogsPage.vue'),
        meta: { title: 'Audit Logs' },
      },
      { path: 'settings', redirect: { name: 'accounts' } },
      // The page's earlier address, kept so bookmarks keep working.
      { path: 'settings/cloud-integrations', redirect: { name: 'accounts' } },
      {
        path: 'settings/accounts',
        name: 'accounts',
        component: () => import('./pages/AccountsPage.vue'),
        meta: { title: 'Cloud Integrations', accountFilter: false },
      },
      {
        path: 'admin',
        name: 'admin',
        component: () => import('./pages/AdminPage.vue'),
        meta: { title: 'Admin Console', role: 'admin', accountFilter: false },
      },
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
