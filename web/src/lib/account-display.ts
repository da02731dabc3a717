import type { AccountStatus, ConnectionMethod } from '@spot/shared';

type TagType = 'default' | 'success' | 'warning' | 'error' | 'info';

/** How each account status is shown on cards, tables and the dashboard. */
export const accountStatusDisplay: Record<
  AccountStatus,
  { label: string; tag: TagType; explanation: string }
> = {
  active: { label: 'Active', tag: 'success', explanation: 'Data is syncing.' },
  scanning: { label: 'Scanning', tag: 'warning', explanation: 'Discovery is in progress.' },
  pending: {
    label: 'Pending',
    tag: 'default',
    explanation: 'No AWS account is linked yet. Connect one to start discovery.',
  },
  error: { label: 'Error', tag: 'error', explanation: 'The last connection attempt failed.' },
};

export const connectionMethodDisplay: Record<
  ConnectionMethod,
  { label: string; hint: string; tag: TagType }
> = {
  role: { label: 'Role-Based', hint: 'IAM role via CloudFormation, no stored credentials', tag: 'info' },
  'access-key': {
    label: 'Access Key',
    hint: 'Encrypted access keys, for lab and test accounts',
    tag: 'default',
  },
};

/** What the three-dot menu of an account card offers. */
export type AccountAction = 'resync' | 'rename' | 'disconnect';
