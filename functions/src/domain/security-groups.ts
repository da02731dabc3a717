import { ConflictError, NotFoundError } from '@spot/shared';
import { cloudAccountEntity, cloudAccountKey } from '../data/entities/cloud-account';
import { getItem } from '../data/repository';
import { port } from '../ports';
import { discoveryTarget } from './discovery/target';

/**
 * The security groups of a connected account in one region, read live (paginated DescribeSecurityGroups)
 * for the template wizard's picker; sorted by VPC, then name, so the list reads the same each time.
 */
export async function listSecurityGroups(orgId: string, accountId: string, region: string) {
  const account = await getItem(cloudAccountEntity, cloudAccountKey(orgId, accountId));
  if (!account) throw new NotFoundError('The cloud account');
  if (!account.awsAccountId || !account.method) {
    throw new ConflictError(
      'ACCOUNT_NOT_CONNECTED',
      'This account is not linked to AWS yet. Connect it first to pick its security groups.',
    );
  }
  const groups = await port('cloud').describeSecurityGroups(await discoveryTarget(orgId, accountId, region));
  return groups.sort(
    (a, b) => (a.vpcId ?? '').localeCompare(b.vpcId ?? '') || a.groupName.localeCompare(b.groupName),
  );
}
