import type { SnapshotModel } from '../snapshot-model';
import type { SpotReadinessReport } from '../spot';
import type { NodeGroupFigures } from './types';

/**
 * Per node group: its nodes, their hourly cost (USD/h, unpriced nodes count 0) and the spot readiness of the
 * eligible pods on them (ready / eligible, `null` without eligible pods). Nodes without a group are left out.
 */
export function nodeGroupFiguresOf(
  model: SnapshotModel,
  readiness: SpotReadinessReport,
): Map<string, NodeGroupFigures> {
  const figures = new Map<string, NodeGroupFigures>();
  const groupOfNode = new Map(model.nodes.map((n) => [n.name, n.nodeGroup?.id ?? null]));
  for (const n of model.nodes) {
    if (!n.nodeGroup) continue;
    const g = figures.get(n.nodeGroup.id) ?? { nodeCount: 0, hourlyCostUsd: 0, spotReadinessScore: null };
    g.nodeCount += 1;
    g.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    figures.set(n.nodeGroup.id, g);
  }
  for (const [id, g] of figures) {
    const onGroup = readiness.pods.filter((r) => r.eligible && groupOfNode.get(r.nodeName) === id);
    g.spotReadinessScore = onGroup.length ? onGroup.filter((r) => r.ready).length / onGroup.length : null;
  }
  return figures;
}
