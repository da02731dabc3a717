/**
 * Every page of the SPA as plain data (no components): the router builds its routes from it, and the
 * browser tests' accessibility sweep (`e2e/accessibility.spec.ts`) visits every entry, so a page is
 * checked the moment it is routed and a new page cannot land unchecked.
 */
export interface PageRoute {
  name: string;
  /** Absolute path; shell pages are children of `/`. */
  path: string;
  /** The document title and, for sidebar pages, the sidebar name and the page's h1. */
  title: string;
  /** Outside the app shell, reachable without a session. */
  public?: boolean;
  /** Only users of this role. */
  role?: 'client' | 'admin';
  /** Filtered by the top bar's account filter (default true inside the shell). */
  accountFilter?: boolean;
  /** The sidebar item to highlight when the page is not itself in the sidebar. */
  navKey?: string;
}

export const pageRoutes = [
  { name: 'login', path: '/login', title: 'Sign in', public: true },
  // A hibernation notice's Snooze link: no sign-in, its signed token is the credential.
  { name: 'snooze', path: '/snooze', title: 'Snooze hibernation', public: true },
  { name: 'onboarding', path: '/onboarding', title: 'Welcome', role: 'client', accountFilter: false },
  { name: 'dashboard', path: '/dashboard', title: 'Dashboard' },
  { name: 'clusters', path: '/clusters', title: 'Clusters' },
  { name: 'cluster', path: '/clusters/:id', title: 'Cluster', navKey: 'clusters' },
  { name: 'node-templates', path: '/node-templates', title: 'Node Templates' },
  { name: 'policies', path: '/policies', title: 'Optimization Policies' },
  { name: 'hibernation', path: '/hibernation', title: 'Cluster Hibernation' },
  { name: 'audit-logs', path: '/audit-logs', title: 'Audit Logs' },
  { name: 'accounts', path: '/settings/accounts', title: 'Cloud Integrations', accountFilter: false },
  { name: 'admin', path: '/admin', title: 'Admin Console', role: 'admin', accountFilter: false },
] as const satisfies readonly PageRoute[];

export type PageName = (typeof pageRoutes)[number]['name'];
