import { createHash } from 'node:crypto';
import { cloudAccountKey } from '../../data/entities/cloud-account';
import { updateItem, where } from '../../data/repository';

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

export async function setStatus(
  target: DiscoveryInput,
  status: 'active' | 'error',
  reason: string | null,
  now: Date,
) {
  const nowIso = now.toISOString();
  // A disconnected account stays gone: never recreate it from a late workflow step.
  await updateItem(
    cloudAccountKey(target.orgId, target.accountId),
    { set: { status, statusReason: reason, updatedAt: nowIso, lastDiscoveryAt: nowIso } },
    { condition: where.itemExists() },
  );
}

export const systemActor = {
  actorType: 'system' as const,
  actorId: null,
  actorName: 'Discovery workflow',
  sourceIp: null,
  userAgent: null,
};
