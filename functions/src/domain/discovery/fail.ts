import { type DiscoveryInput, setStatusAudited, truncate } from './common';

/** Marks the account `error` with a reason a person can act on, taken from the failed step (audited). */
export async function failDiscovery(target: DiscoveryInput, cause: string, now: Date) {
  const reason = truncate(
    `Discovery failed: ${cause.replace(/\.$/, '')}. Check the connection and use Re-Sync.`,
    900,
  );
  await setStatusAudited(target, 'error', reason, now, {
    action: 'discovery.failed',
    outcome: 'failed',
    after: { reason },
  });
  return { status: 'error' as const, reason };
}
