import { createHash } from 'node:crypto';
import type { AuditOutcome } from '@spot/shared';
import { cloudAccountEntity, cloudAccountKey } from '../../data/entities/cloud-account';
import { getItem, transactUpdate, where } from '../../data/repository';
import { recordSystemEvent } from '../audit';

/**
 * The steps of the discovery workflow (one task module each, `functions/src/tasks/discovery/`). The state
 * machine passes ids only; each step reads and writes DynamoDB itself, so no payload grows with the
 * inventory (Step Functions caps a state's data at 256 KB).
 *
 *   LoadAccount -> ListRegions -> DiscoverRegions (Map, 4 at a time: DiscoverRegion, failures reported)
 *   -> PlanCollection -> CollectClusters (Map: CollectCluster, failures reported) -> CompleteDiscovery
 *   any uncaught failure -> FailDiscovery (status `error` with the reason)
 */

export interface DiscoveryInput {
  orgId: string;
  accountId: string;
}

/** Periodic re-discovery of a connected account (EventBridge Scheduler, UTC). */
export const discoverySyncExpression = 'rate(15 minutes)';
/** The period of {@link discoverySyncExpression}. */
export const discoverySyncPeriodMs = 15 * 60_000;

/** A stable, URL-safe cluster id: the same EKS cluster keeps its id across runs. */
export function clusterIdFor(accountId: string, region: string, clusterName: string): string {
  return `eks-${createHash('sha256').update(`${accountId}/${region}/${clusterName}`).digest('hex').slice(0, 20)}`;
}

/**
 * The message of a failed state as Step Functions hands it to a Catch: `Cause` is the Lambda's JSON
 * (`errorMessage`) in AWS and the plain message locally.
 */
export function causeMessage(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown error';
  try {
    const parsed = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return error.Cause || error.Error || 'unknown error';
}

/** A reason kept short enough for the accounts page. */
export const truncate = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The account's status write (a disconnected account stays gone: never recreated by a late step). */
function statusUpdate(target: DiscoveryInput, status: 'active' | 'error', reason: string | null, now: Date) {
  const nowIso = now.toISOString();
  return transactUpdate(
    cloudAccountKey(target.orgId, target.accountId),
    { set: { status, statusReason: reason, updatedAt: nowIso, lastDiscoveryAt: nowIso } },
    where.itemExists(),
  );
}

/**
 * Sets the account's status after a discovery and records the change (status before and after, and what
 * the step reports) in the audit trail, in one transaction: a status never changes without its record.
 */
export async function setStatusAudited(
  target: DiscoveryInput,
  status: 'active' | 'error',
  reason: string | null,
  now: Date,
  event: {
    action: string;
    outcome: AuditOutcome;
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
  },
) {
  const current = await getItem(cloudAccountEntity, cloudAccountKey(target.orgId, target.accountId), true);
  await recordSystemEvent(
    target.orgId,
    'discovery',
    {
      action: event.action,
      resourceType: 'cloud-account',
      target: `cloud-account/${target.accountId}`,
      accountId: target.accountId,
      outcome: event.outcome,
      before: {
        ...event.before,
        status: current?.status ?? null,
        statusReason: current?.statusReason ?? null,
      },
      after: { ...event.after, status, statusReason: reason },
    },
    now,
    { with: [statusUpdate(target, status, reason, now)] },
  );
}
