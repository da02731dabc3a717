import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '@spot/shared';
import { db, tableName } from '../data/client';
import { cloudAccountEntity, cloudAccountKey } from '../data/entities/cloud-account';
import { getItem } from '../data/repository';
import { appendAudit } from './audit';

export interface DiscoveryTarget {
  orgId: string;
  accountId: string;
}

export async function loadAccountForDiscovery(target: DiscoveryTarget) {
  const account = await getItem(cloudAccountEntity, cloudAccountKey(target.orgId, target.accountId), true);
  if (!account) throw new NotFoundError('The cloud account');
  return {
    accountId: account.accountId,
    awsAccountId: account.awsAccountId,
    region: account.region,
    method: account.method,
  };
}

async function setStatus(
  target: DiscoveryTarget,
  status: 'active' | 'error',
  reason: string | null,
  now: Date,
) {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: cloudAccountKey(target.orgId, target.accountId),
      UpdateExpression:
        'SET #status = :status, statusReason = :reason, updatedAt = :now, lastDiscoveryAt = :now',
      // A disconnected account stays gone: never recreate it from a late workflow step.
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':reason': reason, ':now': now.toISOString() },
    }),
  );
}

const systemActor = {
  actorType: 'system' as const,
  actorId: null,
  actorName: 'Discovery workflow',
  sourceIp: null,
  userAgent: null,
};

export async function completeDiscovery(target: DiscoveryTarget, now: Date) {
  await setStatus(target, 'active', null, now);
  await appendAudit(
    target.orgId,
    {
      ...systemActor,
      action: 'discovery.completed',
      resourceType: 'cloud-account',
      target: `cloud-account/${target.accountId}`,
      accountId: target.accountId,
      outcome: 'success',
      requestId: null,
    },
    now,
  );
  return { status: 'active' as const };
}

/** Marks the account `error` with a reason a person can act on, taken from the failed step. */
export async function failDiscovery(target: DiscoveryTarget, cause: string, now: Date) {
  const reason = `Discovery failed: ${cause}. Check the connection and use Re-Sync.`;
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
