import type { PlanMinimumDrift } from '@spot/shared';
import {
  afterProductWrite,
  minimumDriftMessage,
  minimumDriftState,
  type PolicyVersions,
} from '@spot/shared/savings/group-minimum-drift';
import { type ClusterAction, clusterActionEntity } from '../data/entities/cluster-action';
import { groupMinimumEntity, groupMinimumsQuery } from '../data/entities/group-minimum';
import {
  cancelledConditions,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  transactPut,
  where,
} from '../data/repository';
import { appendAudit } from './audit';
import { effectivePolicyOf } from './policy-effective';

/**
 * A node group minimum set back outside the product (ADR 0073). The run records each minimum it lowers;
 * the plan (from the inventory discovery refreshed) and the run (from the group's live sizes, right before
 * a change) compare what they read with it. A minimum above what the product set is reported once, in
 * the cluster's Activity and the audit trail, and the product stops lowering that group (it yields)
 * until a level of the cluster's policy is saved again.
 */

type GroupMinimum = ReturnType<typeof groupMinimumEntity.fromItem>;

/** What the product recorded of the minimums it set in the cluster, by node group id. */
export async function groupMinimumsOf(orgId: string, clusterId: string): Promise<Map<string, GroupMinimum>> {
  const items = await queryAll(groupMinimumEntity, groupMinimumsQuery(orgId, clusterId), {
    consistent: true,
  });
  return new Map(items.map((g) => [g.nodeGroupId, g]));
}

/**
 * Records the minimum the product just set on a group (a run's takeover, or a person's edit through the
 * product): what a later read is compared with; any drift ends.
 */
export async function recordMinimumSet(
  orgId: string,
  clusterId: string,
  set: { nodeGroupId: string; nodeGroupName: string; minSize: number; setBy: string },
  now: Date,
): Promise<void> {
  await putItem(groupMinimumEntity, {
    orgId,
    clusterId,
    nodeGroupId: set.nodeGroupId,
    nodeGroupName: set.nodeGroupName,
    setMinSize: set.minSize,
    setAt: now.toISOString(),
    setBy: set.setBy,
    drift: null,
  });
}

const driftOf = (record: GroupMinimum, observedMinSize: number, detectedAt: string): PlanMinimumDrift => ({
  nodeGroupId: record.nodeGroupId,
  name: record.nodeGroupName,
  setMinSize: record.setMinSize,
  observedMinSize,
  detectedAt,
  message: minimumDriftMessage(record.nodeGroupName, observedMinSize, record.setMinSize),
});

/**
 * Compares a read of the group's minimum (`observedMinSize`) with what the product set. Answers the drift
 * that holds (`null`: the product may lower the group's minimum). A drift found now is reported first:
 * the record, a closed `group-minimum-drift` action in the Activity and the audit record are one
 * transaction, written once (a second reader racing finds the record already reporting it).
 */
export async function minimumDriftOf(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
  record: GroupMinimum | undefined,
  observedMinSize: number,
  versions: PolicyVersions,
  now: Date,
): Promise<PlanMinimumDrift | null> {
  if (!record) return null;
  const state = minimumDriftState(record, observedMinSize, versions);
  if (state === 'none') return null;
  if (state === 'holding' && record.drift) {
    return driftOf(record, record.drift.observedMinSize, record.drift.detectedAt);
  }
  const detectedAt = now.toISOString();
  const drift = driftOf(record, observedMinSize, detectedAt);
  const action: ClusterAction = {
    orgId,
    clusterId: cluster.clusterId,
    actionId: `md-${record.nodeGroupId}-${detectedAt.replace(/\D/g, '').slice(0, 14)}`,
    // Not a run's step: a run's progress counts only its own node actions.
    runId: `drift-${record.nodeGroupId}`,
    kind: 'group-minimum-drift',
    node: record.nodeGroupName,
    instanceId: null,
    instanceType: '',
    nodeGroupId: record.nodeGroupId,
    state: 'skipped',
    result: drift.message,
    predictedMonthlySavingUsd: 0,
    realizedMonthlySavingUsd: null,
    startedAt: detectedAt,
    finishedAt: detectedAt,
  };
  try {
    await appendAudit(
      orgId,
      {
        actorType: 'system',
        actorId: null,
        actorName: 'system: optimizer',
        action: 'consolidation.nodegroup.minimum.drift',
        resourceType: 'cluster',
        target: `cluster/${cluster.clusterId}`,
        accountId: cluster.accountId,
        outcome: 'success',
        before: { nodeGroup: record.nodeGroupName, minSize: record.setMinSize, setAt: record.setAt },
        after: { nodeGroup: record.nodeGroupName, minSize: observedMinSize, message: drift.message },
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
      {
        with: [
          transactPut(
            groupMinimumEntity,
            { ...record, drift: { observedMinSize, detectedAt, policyVersions: versions } },
            where.and(
              where.eq('setAt', record.setAt),
              where.or(where.notExists('drift'), where.isNull('drift')),
            ),
          ),
          transactPut(clusterActionEntity, action),
        ],
      },
    );
  } catch (error) {
    // Another reader reported it first (or the run set the minimum again meanwhile): nothing more to say.
    if (!cancelledConditions(error)?.slice(3).some(Boolean)) throw error;
  }
  return drift;
}

/** A minimum the product just wrote on a group, and the one it read there right before. */
export interface ProductMinimumWrite {
  nodeGroupId: string;
  observedMinSize: number;
  writtenMinSize: number;
  /** Who wrote it, for the record (`hibernation sleep`, `hibernation wake`). */
  setBy: string;
}

/**
 * After the product itself wrote the minimums of some groups (hibernation's sleep and wake, ADR 0081): for
 * each group whose minimum the product set before, the read made right before the write is compared with
 * the record (a set-back outside the product found there is reported, as any read reports it), and when no
 * drift holds the record follows the write ({@link afterProductWrite}). Without this a sleep that pins
 * kept nodes above the minimum the product set, or a wake restoring a minimum the record no longer has,
 * would be reported as infrastructure as code at the next read. Groups the product never set are left
 * alone; so is a record a concurrent writer (a run's takeover) replaced meanwhile.
 */
export async function followProductMinimumWrites(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
  writes: readonly ProductMinimumWrite[],
  now: Date,
): Promise<void> {
  if (writes.length === 0) return;
  const records = await groupMinimumsOf(orgId, cluster.clusterId);
  const tracked = writes.filter((w) => records.has(w.nodeGroupId));
  if (tracked.length === 0) return;
  const { versions } = await effectivePolicyOf(orgId, cluster);
  for (const write of tracked) {
    const record = records.get(write.nodeGroupId) as GroupMinimum;
    const next = afterProductWrite(record, write.observedMinSize, write.writtenMinSize, versions);
    if (next.state === 'new') {
      await minimumDriftOf(orgId, cluster, record, write.observedMinSize, versions, now);
      continue;
    }
    if (next.state === 'holding' || !next.record) continue;
    try {
      await putItem(
        groupMinimumEntity,
        {
          ...record,
          setMinSize: next.record.setMinSize,
          setAt: now.toISOString(),
          setBy: write.setBy,
          drift: null,
        },
        where.eq('setAt', record.setAt),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
