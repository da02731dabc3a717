import { alertFeed, type ClusterAlert } from '@spot/shared/cluster-detail/overview';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';
import type { nodeEntity } from '../data/entities/node';

type ClusterItem = z.infer<typeof clusterEntity.schema>;
type NodeItem = z.infer<typeof nodeEntity.schema>;

/** The Overview tab's alert feed (ADR 0052), from the items the cluster route reads; the advisor's buckets come from the catalog. */
export function clusterAlerts(cluster: ClusterItem, nodes: readonly NodeItem[], now: Date): ClusterAlert[] {
  const catalog = loadCatalog();
  const capacity = (cluster.summary as { capacity?: { pendingPods?: unknown } } | null)?.capacity;
  const contacts = [cluster.agent.lastHeartbeatAt, cluster.agent.lastSnapshotAt, cluster.lastSyncedAt]
    .filter((t): t is string => t !== null)
    .sort();
  return alertFeed({
    nodes: nodes.map((n) => ({
      nodeName: n.nodeName,
      instanceType: n.instanceType,
      capacityType: n.capacityType,
      zone: n.zone,
      nodeGroupId: n.nodeGroupId,
      ready: n.ready,
      pressure: n.pressure,
      hourlyPriceUsd: n.hourlyPriceUsd,
    })),
    spotBucketOf: (type) => {
      const entry = catalog.instanceType(type)?.spot[cluster.region];
      if (!entry) return null;
      const label = catalog.interruptionLabel(entry[1]);
      return label === undefined ? null : { index: entry[1], label };
    },
    pendingPods: typeof capacity?.pendingPods === 'number' ? capacity.pendingPods : 0,
    lastContactAt: contacts.at(-1) ?? null,
    agentConnected: cluster.agentTokenSha256 !== null,
    now,
  });
}
