import { allAccountsQuery, cloudAccountEntity, cloudAccountKey } from '../../data/entities/cloud-account';
import { isConditionalCheckFailed, queryAll, updateEntity, where } from '../../data/repository';
import { logger } from '../../lib/logger';
import { port } from '../../ports';
import { type CloudAccount, executionNameOf, startDiscovery } from '../accounts';
import { recordSystemEvent } from '../audit';
import { setStatusAudited } from './common';

export type ResumeOutcome = 'running' | 'resumed' | 'failed';

export interface ResumedDiscovery {
  orgId: string;
  accountId: string;
  outcome: ResumeOutcome;
}

/** The reason an account shows when its discovery was cut off twice in a row. */
export const interruptedTwiceReason =
  'Discovery was interrupted twice (the platform restarted while it ran). Use Re-Sync to try again.';

/**
 * Finds the accounts left `scanning` whose discovery is no longer running (the process that ran it was
 * killed, or the workflow's own failure handler failed) and ends each in a final state: a fresh discovery
 * the first time, `error` with a reason when the interrupted run was itself a resumption, so a discovery
 * that keeps killing its runner cannot loop. The local stack calls it at start-up, before it serves.
 *
 * Each account is claimed with a conditional write on the `updatedAt` it was read with, marking the run
 * it resumes (`resumingFrom`), so two sweeps never resume the same account twice: one that read before
 * the claim fails its condition, one that read after it sees the mark.
 */
export async function resumeInterruptedDiscoveries(now: Date): Promise<ResumedDiscovery[]> {
  const accounts = await queryAll(cloudAccountEntity, allAccountsQuery);
  const scanning = accounts.filter((a) => a.status === 'scanning' && a.awsAccountId);
  const results: ResumedDiscovery[] = [];
  for (const account of scanning) {
    results.push({
      orgId: account.orgId,
      accountId: account.accountId,
      outcome: await resumeOne(account, now),
    });
  }
  return results;
}

/** How long a sweep's claim keeps other sweeps away while it starts the resumption (it may die meanwhile). */
const claimLeaseMs = 120_000;

async function resumeOne(account: CloudAccount, now: Date): Promise<ResumeOutcome> {
  const previous = account.lastExecutionArn;
  // Another sweep claimed this very run and is starting its resumption (read between its two writes).
  const claimedByOther =
    account.resumingFrom === (previous ?? 'none') &&
    now.getTime() - Date.parse(account.updatedAt) < claimLeaseMs;
  if (claimedByOther) return 'running';
  if (previous && (await port('workflows').isExecutionRunning(previous))) return 'running';
  let claimed: CloudAccount;
  try {
    claimed = await updateEntity(
      cloudAccountEntity,
      cloudAccountKey(account.orgId, account.accountId),
      { set: { updatedAt: now.toISOString(), resumingFrom: previous ?? 'none' } },
      where.and(where.eq('status', 'scanning'), where.eq('updatedAt', account.updatedAt)),
    );
  } catch (error) {
    // Changed meanwhile (a Re-Sync, a disconnect, another sweep): whoever changed it owns it now.
    if (isConditionalCheckFailed(error)) return 'running';
    throw error;
  }
  const target = { orgId: account.orgId, accountId: account.accountId };
  const interruptedResume = executionNameOf(account)?.startsWith('resume-') ?? false;
  const after = interruptedResume ? undefined : await startDiscovery(claimed, now, 'resume');
  const outcome: ResumeOutcome = after && after.status === 'scanning' ? 'resumed' : 'failed';
  logger.warn('interrupted discovery', { accountId: account.accountId, outcome });
  const before = { execution: executionNameOf(account) };
  if (interruptedResume) {
    // Interrupted twice: the account goes to `error` and the trail says why, in one transaction.
    await setStatusAudited(target, 'error', interruptedTwiceReason, now, {
      action: 'discovery.failed',
      outcome: 'failed',
      before,
      after: { reason: interruptedTwiceReason },
    });
    return outcome;
  }
  await recordSystemEvent(
    account.orgId,
    'discovery',
    {
      action: outcome === 'resumed' ? 'discovery.resumed' : 'discovery.failed',
      resourceType: 'cloud-account',
      target: `cloud-account/${account.accountId}`,
      accountId: account.accountId,
      outcome: outcome === 'resumed' ? 'success' : 'failed',
      before,
      after:
        outcome === 'resumed'
          ? { execution: after ? executionNameOf(after) : null }
          : { reason: after?.statusReason ?? interruptedTwiceReason },
    },
    now,
  );
  return outcome;
}
