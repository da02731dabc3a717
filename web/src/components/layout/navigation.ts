import type { IconName } from './icons';

export interface NavItem {
  /** Route name; its `meta.title` is the page's h1 and must equal `label`. */
  routeName: string;
  label: string;
  icon: IconName;
}

export interface NavGroup {
  key: string;
  label: string;
  items: NavItem[];
}

/** The sidebar of the specification, in its order. */
export const mainNav: NavItem[] = [
  { routeName: 'dashboard', label: 'Dashboard', icon: 'dashboard' },
  { routeName: 'clusters', label: 'Clusters', icon: 'clusters' },
  { routeName: 'node-templates', label: 'Node Templates', icon: 'templates' },
  { routeName: 'policies', label: 'Optimization Policies', icon: 'policies' },
  { routeName: 'hibernation', label: 'Cluster Hibernation', icon: 'hibernation' },
  { routeName: 'audit-logs', label: 'Audit Logs', icon: 'audit' },
];

export const settingsNav: NavGroup = {
  key: 'settings',
  label: 'Settings',
  items: [{ routeName: 'accounts', label: 'Cloud Integrations', icon: 'cloud' }],
};

export const adminNav: NavGroup = {
  key: 'administration',
  label: 'Administration',
  items: [{ routeName: 'admin', label: 'Admin Console', icon: 'admin' }],
};
