import { appendAudit } from '../audit';
import { type DiscoveryInput, setStatus, systemActor, truncate } from './common';

/** Marks the account `error` with a reason a person can act on, taken from the failed step. */
export async function failDiscovery(target: DiscoveryInput, cause: string, now: Date) {
  const reason = truncate(
    `Discovery failed: ${cause.replace(/\.$/, '')}. Check the connection and use Re-Sync.`,
    900,
  );
  await setStatus(target, 'error', reason, now);
  await appendAudit(
    target.orgId,
    {
      ...systemActor,
      action: 'discovery.failed',
      resourceType: 'cloud-account',
      target: `cloud-account/${target.accountId}`,
      accountId: target.accountId,
      outcome: 'failed',
      after: { reason },
      requestId: null,
    },
    now,
  );
  return { status: 'error' as const, reason };
}
