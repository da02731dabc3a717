/**
 * Whether the workloads a consolidation wave evicted pods from are whole again (issue 14, ADR 0058),
 * read from a live snapshot before the next wave starts. A PodDisruptionBudget counts only ready pods:
 * while the replacements of the last wave's evictions are still starting, the budget allows fewer
 * disruptions than the plan saw, and the next wave's evictions would be refused (429) until the drain
 * times out. So the next wave waits until every such workload runs all its replicas and its budget
 * allows a disruption again.
 */
import type { ClusterSnapshot } from '../model/cluster-snapshot';

/** A workload as a pod's top-level owner names it (`Deployment`, `StatefulSet`, …). */
export interface EvictedWorkload {
  namespace: string;
  kind: string;
  name: string;
}

/** A workload not back yet, and why in words (what the run records if it never comes back). */
export interface WorkloadNotRecovered extends EvictedWorkload {
  readyPods: number;
  /** The replicas its controller wants (`null`: the snapshot does not say). */
  wantedPods: number | null;
  /** The budgets selecting its pods that allow no disruption now. */
  exhaustedPdbs: string[];
  /** Some of its pods are not ready (starting, or not created yet); false: a budget alone holds it. */
  starting: boolean;
  reason: string;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

export const workloadLabel = (w: EvictedWorkload) => `${w.namespace}/${w.name}`;

/**
 * The workloads of `evicted` that are not back: fewer of their pods Running on a node than their
 * controller wants, a pod of theirs still Pending, or a PodDisruptionBudget over their pods allowing
 * no disruption. A workload the snapshot no longer shows at all (deleted, scaled to zero) is back.
 */
export function workloadsNotRecovered(
  snapshot: Pick<ClusterSnapshot, 'pods'> & { pdbs?: ClusterSnapshot['pdbs'] },
  evicted: readonly EvictedWorkload[],
): WorkloadNotRecovered[] {
  const seen = new Set<string>();
  const out: WorkloadNotRecovered[] = [];
  for (const w of evicted) {
    const key = `${w.namespace}#${w.kind}#${w.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pods = snapshot.pods.filter(
      (p) =>
        p.namespace === w.namespace &&
        p.owner?.kind === w.kind &&
        p.owner.name === w.name &&
        (p.phase === 'Running' || p.phase === 'Pending' || p.phase === 'Unknown'),
    );
    if (pods.length === 0) continue;
    const ready = pods.filter((p) => p.phase === 'Running' && p.nodeName !== null).length;
    const wanted = pods.reduce<number | null>(
      (most, p) => (p.owner?.replicas == null ? most : Math.max(most ?? 0, p.owner.replicas)),
      null,
    );
    const exhausted = (snapshot.pdbs ?? [])
      .filter(
        (b) =>
          b.namespace === w.namespace &&
          b.disruptionsAllowed <= 0 &&
          pods.some((p) => selects(b.matchLabels, p.labels ?? {})),
      )
      .map((b) => b.name);
    const starting = ready < pods.length || (wanted !== null && ready < wanted);
    if (!starting && exhausted.length === 0) continue;
    const parts = [
      ...(starting ? [`${ready} of ${wanted ?? pods.length} pods ready`] : []),
      ...exhausted.map((name) => `its PodDisruptionBudget ${name} allows no disruption`),
    ];
    out.push({
      ...w,
      readyPods: ready,
      wantedPods: wanted,
      exhaustedPdbs: exhausted,
      starting,
      reason: `${workloadLabel(w)}: ${parts.join(', ')}`,
    });
  }
  return out;
}
