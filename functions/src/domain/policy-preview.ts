import { nodeTemplateSpecSchema, type PolicyOverrides, type PolicyPreviewResponse } from '@spot/shared';
import { previewPolicySavings } from '@spot/shared/policy/preview';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import type { WorkloadUsage } from '@spot/shared/savings/cluster-summary/index';
import { nodeEntity } from '../data/entities/node';
import { nodeTemplateEntity, nodeTemplateKey } from '../data/entities/node-template';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { workloadEntity, workloadKeyOf } from '../data/entities/workload';
import { getItem, queryAll } from '../data/repository';
import { loadCluster } from './clusters';
import { usageLookbackDays } from './discovery/snapshot-plan';
import { PolicyTemplateNotFoundError } from './policies';
import { effectivePolicyOf } from './policy-effective';

type WorkloadItem = Awaited<ReturnType<typeof queryAll<typeof workloadEntity.schema>>>[number];
type NodeItem = Awaited<ReturnType<typeof queryAll<typeof nodeEntity.schema>>>[number];

/** A stored node as the savings engine's planners read it (the preview and the consolidation plan). */
export function plannerNodeOf(n: NodeItem) {
  return {
    name: n.nodeName,
    instanceType: n.instanceType,
    capacityType: n.capacityType,
    hourlyPriceUsd: n.hourlyPriceUsd,
    allocatableCpuMilli: n.allocatableCpuMilli,
    allocatableMemoryMiB: n.allocatableMemoryMiB,
    allocatablePods: n.allocatablePods,
    requestedCpuMilli: n.requestedCpuMilli,
    requestedMemoryMiB: n.requestedMemoryMiB,
    movablePods: n.movablePods,
    ...(n.labels ? { labels: n.labels } : {}),
    doNotDisrupt: n.doNotDisrupt,
  };
}

/** The usage the rightsizer reads, from a stored Workload item: the last 14 finished days and today. */
function usageOf(w: WorkloadItem, now: Date): WorkloadUsage {
  const from = new Date(now.getTime() - usageLookbackDays * 86_400_000).toISOString().slice(0, 10);
  const today = w.today;
  return {
    days: Object.entries(w.dailyUsage)
      .filter(([day]) => day >= from)
      .map(([, d]) => ({ cpuP95Milli: d.cpuP95Milli, memoryPeakMiB: d.memoryPeakMiB, oomKills: d.oomKills })),
    todayCpuMilli: today ? Object.values(today.cpuByHourMilli) : [],
    todayMemoryPeakMiB: today && today.memoryPeakMiB > 0 ? today.memoryPeakMiB : null,
    todayOomKills: today ? Object.values(today.oomByHour).reduce((s, v) => s + v, 0) : 0,
  };
}

/**
 * The policy page's "Estimated impact": the cluster's stored inventory under the saved organization and
 * account levels with `draft` as the cluster's own overrides, card by card. Nothing is written.
 */
export async function previewPolicy(
  orgId: string,
  clusterId: string,
  draft: PolicyOverrides,
  now: Date,
): Promise<PolicyPreviewResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  const [effective, nodes, workloads] = await Promise.all([
    effectivePolicyOf(orgId, cluster, draft),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
  ]);
  const { policy } = effective;
  const templateId = policy.infrastructure.autoscaling.nodeTemplateId;
  const template = templateId ? await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, templateId)) : null;
  if (templateId && !template) throw new PolicyTemplateNotFoundError(templateId);
  const summary = cluster.summary as { spot?: { monthlySavingUsd?: number } } | null;
  const preview = previewPolicySavings(
    {
      region: cluster.region,
      nodes: nodes.map(plannerNodeOf),
      workloads: workloads.map((w) => ({
        key: workloadKeyOf(w),
        namespace: w.namespace,
        ...(w.labels ? { labels: w.labels } : {}),
        replicas: w.replicas,
        requestCpuMilli: w.requestCpuMilli,
        requestMemoryMiB: w.requestMemoryMiB,
        limitCpuMilli: w.limitCpuMilli,
        limitMemoryMiB: w.limitMemoryMiB,
        monthlyCostUsd: w.monthlyCostUsd,
        spotReady: w.spotReady,
        hpaScaledResources: w.hpaScaledResources,
        usage: usageOf(w, now),
      })),
      instanceTypes: loadCatalog().instanceTypes,
      template: template ? nodeTemplateSpecSchema.parse(template.spec) : null,
      lastSpotMonthlySavingUsd: summary?.spot?.monthlySavingUsd ?? null,
      now,
    },
    policy,
  );
  return { clusterId, policy, snapshotAt: cluster.lastSyncedAt, ...preview };
}
