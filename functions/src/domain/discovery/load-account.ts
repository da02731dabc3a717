import { CloudAccessError } from '@spot/shared';
import { cloudAccountKey } from '../../data/entities/cloud-account';
import { updateItem, where } from '../../data/repository';
import { port } from '../../ports';
import type { DiscoveryInput } from './common';
import { startProgress } from './progress';
import { discoveryTarget, requireConnectedAccount } from './target';

/**
 * Loads the account, proves its credentials still work (STS) and still reach the same AWS account, and
 * marks it `scanning`, except an `active` account: connect and Re-Sync set `scanning` themselves before
 * they start a run, so an `active` account here is a scheduled re-sync, which keeps `active` (the
 * accounts page shows its last discovery) instead of flipping to Scanning every 15 minutes. A credential
 * problem fails the run here, with the message of the CloudAccessError. The run's progress record starts
 * here (`progress.ts`).
 */
export async function loadAccount(input: DiscoveryInput & { executionArn?: string | undefined }, now: Date) {
  const account = await requireConnectedAccount(input.orgId, input.accountId);
  const target = await discoveryTarget(input.orgId, input.accountId, account.region);
  const identity = await port('cloud').identify(target);
  if (identity.awsAccountId !== account.awsAccountId) {
    throw new CloudAccessError(
      'ACCOUNT_MISMATCH',
      `The credentials now reach AWS account ${identity.awsAccountId.slice(0, 4)}-****-****, not the connected one. Connect the account again.`,
    );
  }
  const keepActive = account.status === 'active';
  const fields = {
    ...(keepActive ? {} : { status: 'scanning', statusReason: null, updatedAt: now.toISOString() }),
    ...(input.executionArn ? { lastExecutionArn: input.executionArn } : {}),
  };
  if (Object.keys(fields).length > 0) {
    // Not recreated if disconnected meanwhile. An `active` account's status is not written at all, so a
    // Re-Sync that sets `scanning` in the meantime is never overwritten.
    await updateItem(
      cloudAccountKey(input.orgId, input.accountId),
      { set: fields },
      { condition: where.itemExists() },
    );
  }
  const runId = now.toISOString();
  await startProgress({ orgId: input.orgId, accountId: input.accountId, runId }, now);
  return { runId, homeRegion: account.region, awsAccountId: account.awsAccountId };
}
