import type { z } from 'zod';
import { cloudAccountEntity, cloudAccountKey } from '../../data/entities/cloud-account';
import { getItem } from '../../data/repository';
import type { CloudTarget } from '../../ports/cloud';
import { cloudTargetOf } from '../accounts-connect';
import { DiscoveryError } from './errors';

export type CloudAccount = z.infer<typeof cloudAccountEntity.schema>;

/** A connected account: what discovery needs from the CloudAccount item. */
export interface ConnectedAccount extends CloudAccount {
  awsAccountId: string;
  region: string;
  method: NonNullable<CloudAccount['method']>;
}

/** The account, or a DiscoveryError when it is gone or was never connected (placeholder). */
export async function requireConnectedAccount(orgId: string, accountId: string): Promise<ConnectedAccount> {
  const account = await getItem(cloudAccountEntity, cloudAccountKey(orgId, accountId), true);
  if (!account) {
    throw new DiscoveryError(
      'DISCOVERY_ACCOUNT_NOT_CONNECTED',
      'The cloud account no longer exists (it was disconnected).',
    );
  }
  if (!account.awsAccountId || !account.region || !account.method) {
    throw new DiscoveryError(
      'DISCOVERY_ACCOUNT_NOT_CONNECTED',
      'The cloud account is not connected yet: finish Cloud Connect first.',
    );
  }
  return account as ConnectedAccount;
}

/**
 * Where a task's calls go: the account's credentials (role + External ID, or the access keys opened from
 * their envelope by the onboarding module) in one region. Credentials never pass through the state
 * machine, whose input and output land in the execution history: each task loads them itself.
 */
export async function discoveryTarget(
  orgId: string,
  accountId: string,
  region: string,
): Promise<CloudTarget> {
  const target = await cloudTargetOf(orgId, accountId);
  return { ...target, region };
}
