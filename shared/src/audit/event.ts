/** The audit actions the product writes, in words for the grid's Event column. */
const eventWords: Record<string, string> = {
  'organization.signup': 'Created Organization',
  'onboarding.wizard': 'Finished Onboarding Wizard',
  'session.signout': 'Signed Out',
  'account.role-setup': 'Prepared Role Setup',
  'account.connect': 'Connected Cloud Account',
  'account.rename': 'Renamed Cloud Account',
  'account.resync': 'Started Re-Sync',
  'account.disconnect': 'Disconnected Cloud Account',
  'cluster.agent-token.issue': 'Issued Agent Token',
  'cluster.agent.push': 'Agent Pushed Snapshot',
  'cluster.scan': 'Scanned For Clusters',
  'cluster.add': 'Added Cluster',
  'cluster.install-token.issue': 'Issued Install Token',
  'cluster.preflight': 'Ran Install Pre-Flight',
  'cluster.sync': 'Asked For Sync Now',
  'node-template.create': 'Created Node Template',
  'node-template.update': 'Modified Node Template',
  'node-template.clone': 'Cloned Node Template',
  'node-template.delete': 'Deleted Node Template',
  'node-template.set-default': 'Set Default Node Template',
  'policy.update': 'Modified Policy',
  'policy.restore': 'Restored Policy Version',
  'discovery.completed': 'Discovery Completed',
  'discovery.failed': 'Discovery Failed',
  'discovery.resumed': 'Resumed Interrupted Discovery',
  'discovery.status': 'Changed Account Status',
  'audit.export': 'Exported Audit Log',
  'audit.settings.update': 'Modified Audit Settings',
  'audit.settings.test-event': 'Sent SIEM Test Event',
  'hibernation.schedule.update': 'Modified Hibernation Schedule',
  'cluster.node-group.update': 'Modified Node Group',
  'cluster.budget.update': 'Modified Cluster Budget',
};

/**
 * The event filter's choices: every known action in words, and one "any … event" prefix per area
 * (`policy.`), sorted by label. The values are what `GET /api/client/audit?event=` accepts.
 */
export function auditEventOptions(): { value: string; label: string }[] {
  const actions = Object.entries(eventWords).map(([value, label]) => ({ value, label }));
  const areas = [...new Set(Object.keys(eventWords).map((a) => a.split('.')[0] as string))].map((area) => ({
    value: `${area}.`,
    label: `Any ${auditEventLabel(area).toLowerCase()} event`,
  }));
  return [...actions, ...areas].sort((a, b) => a.label.localeCompare(b.label, 'en'));
}

/** "Modified Hibernation Schedule" for `hibernation.schedule.update`; unknown actions in title case. */
export function auditEventLabel(action: string): string {
  const known = eventWords[action];
  if (known) return known;
  return action
    .split(/[.\-_]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}
