import { type ConsolidationPlanResponse, consolidationRunMaxNodes } from '../model/consolidation';
import type { Policy } from '../model/policy';
import { podKey } from '../savings/cluster';
import {
  type ConsolidationRunInput,
  planConsolidationRun,
  type RunNodeGroup,
} from '../savings/consolidation-run';
import {
  type FitBin,
  type FitFunction,
  type FitPod,
  type FitResult,
  firstFitDecreasing,
} from '../savings/fit';
import {
  consolidationInputOf,
  type PolicyPreviewInput,
  type PreviewNode,
  replacementOptionsOf,
} from './preview';

/**
 * The consolidation plan of a cluster's stored inventory under its effective policy, as the dry run
 * answers it. The inventory keeps each node's movable pods summed per workload, so the planner sees them
 * as pods of equal size (as the policy preview does), and the pods to move are reported per workload.
 */

export interface PlanInventoryNode extends PreviewNode {
  instanceId: string | null;
  nodeGroupId: string | null;
  /** When the node was launched (ISO; absent: unknown, long ago). */
  launchedAt?: string;
}

export interface ConsolidationPlanInput
  extends Omit<PolicyPreviewInput, 'nodes' | 'workloads' | 'lastSpotMonthlySavingUsd'> {
  clusterId: string;
  snapshotAt: string | null;
  nodes: readonly PlanInventoryNode[];
  workloads: PolicyPreviewInput['workloads'];
  groups: readonly RunNodeGroup[];
  /**
   * The optimizer's latest action on a node by name (ISO: when it finished, or started while in flight):
   * a node acted on within the stabilization window is not planned again (ADR 0044).
   */
  lastActedOn?: Readonly<Record<string, string>>;
}

const later = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : Date.parse(a) >= Date.parse(b) ? a : b;

export function consolidationPlanOf(
  input: ConsolidationPlanInput,
  policy: Policy,
): ConsolidationPlanResponse {
  const { aggressiveness, method, stabilizationWindowMinutes, maxNodesInFlight } =
    policy.infrastructure.binPacking;
  const notes: string[] = [];
  const unsummed = input.nodes.filter((n) => n.movablePods === null);
  if (unsummed.length > 0) {
    notes.push(
      `${unsummed.length} node(s) come from an inventory that predates the per-node pod summary: they are left out until the next sync.`,
    );
  }
  // The stabilization window counts from the node's launch or the optimizer's last action on it,
  // whichever is later: a new node or one just acted on is not a candidate yet (it may still be a
  // destination for other nodes' pods).
  const summed = input.nodes
    .filter((n) => n.movablePods !== null)
    .map((n) => {
      const since = later(n.launchedAt, input.lastActedOn?.[n.name]);
      return since === undefined ? n : { ...n, eligibleSince: since };
    });
  const { nodes, pods, pdbs } = consolidationInputOf(summed, input.workloads);
  const owners: ConsolidationRunInput['owners'] = Object.fromEntries(
    summed.map((n) => [n.name, { instanceId: n.instanceId, nodeGroupId: n.nodeGroupId }]),
  );
  const fit = withinNodeGroups(
    new Map(summed.map((n) => [n.name, n.nodeGroupId])),
    new Map(pods.map((p) => [podKey(p), p.nodeName])),
  );
  const run = planConsolidationRun(
    {
      consolidation: {
        nodes,
        pods,
        // Each workload's PDB and the disruptions it allowed at the last snapshot: a node whose pods a
        // budget would not let go is not planned, and the waves keep within the budgets. The agent's
        // evictions still go through the Eviction API, which refuses what a PDB does not allow then.
        pdbs,
        policy: {
          aggressiveness,
          method,
          stabilizationWindowMinutes,
          exemptions: {
            namespaces: policy.governance.excludedNamespaces,
            labels: policy.governance.excludedLabelSelectors,
          },
          podDisruptionCostUsd: 0.25,
          movePaybackHours: 168,
        },
        replacementOptions: replacementOptionsOf(
          { ...input, nodes: summed, workloads: input.workloads, lastSpotMonthlySavingUsd: null },
          policy,
        ),
      },
      groups: input.groups,
      owners,
      maxNodesInFlight,
      maxNodes: consolidationRunMaxNodes,
    },
    input.now,
    { fit },
  );
  notes.push(
    'PodDisruptionBudgets are read from the last snapshot: a node whose pods a budget allows no disruption for is held, and each eviction is checked again when it is made (a node whose pods cannot leave is uncordoned and reported).',
  );
  const stabilizing = run.held.filter((h) => h.status === 'stabilizing').length;
  if (stabilizing > 0) {
    notes.push(
      `${stabilizing} node(s) were launched or acted on within the stabilization window (${stabilizationWindowMinutes} min): they are planned once it has passed.`,
    );
  }
  const podsOf = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  return {
    clusterId: input.clusterId,
    dryRun: true,
    snapshotAt: input.snapshotAt,
    policy: { aggressiveness, method, stabilizationWindowMinutes, maxNodesInFlight: run.maxNodesInFlight },
    steps: run.steps.map(({ evictions, ...step }) => {
      const groups = new Map<
        string,
        { namespace: string; workload: string; count: number; toNodes: Set<string> }
      >();
      for (const e of evictions) {
        // The synthetic pods carry the workload key as their owner's name (see consolidationInputOf).
        const workload = podsOf.get(e.pod)?.owner?.name ?? e.workload;
        const g = groups.get(workload) ?? { namespace: e.namespace, workload, count: 0, toNodes: new Set() };
        g.count += 1;
        g.toNodes.add(e.toNode);
        groups.set(workload, g);
      }
      return {
        ...step,
        pods: [...groups.values()]
          .sort((a, b) => b.count - a.count || a.workload.localeCompare(b.workload))
          .map((g) => ({ ...g, toNodes: [...g.toNodes].sort() })),
      };
    }),
    skipped: run.skipped,
    held: run.held,
    replacements: run.replacements,
    waves: run.waves,
    podsEvicted: run.podsEvicted,
    hourlySavingUsd: run.hourlySavingUsd,
    monthlySavingUsd: run.monthlySavingUsd,
    plannedMonthlySavingUsd: run.plannedMonthlySavingUsd,
    notes,
  };
}

/**
 * The re-fit of a stored inventory: a pod moves only to a node of its own node group (or to a
 * replacement the plan launches for it). The inventory sums pods per workload and keeps none of their
 * node selectors, affinities or tolerations, and node groups exist precisely to hold pods apart (GPU,
 * batch, memory, architecture pools, tainted groups): a move across groups is one the scheduler may
 * refuse, leaving the evicted pod Pending. Within a group its pods fit any of its nodes.
 */
export function withinNodeGroups(
  groupOfNode: ReadonlyMap<string, string | null>,
  nodeOfPod: ReadonlyMap<string, string | null | undefined>,
): FitFunction {
  return (pods, bins) => {
    const groupOfPod = (key: string) => {
      const node = nodeOfPod.get(key);
      return node ? (groupOfNode.get(node) ?? null) : null;
    };
    // A bin the inventory does not know is a replacement sized for the action's pods: any may go there.
    const accepts = (bin: FitBin, group: string | null) =>
      !groupOfNode.has(bin.name) || groupOfNode.get(bin.name) === group;
    const free = bins.map((b) => ({ ...b }));
    const placements: FitResult['placements'] = [];
    const unplaced: string[] = [];
    const byGroup = new Map<string | null, FitPod[]>();
    for (const pod of pods) {
      const group = groupOfPod(pod.key);
      byGroup.set(group, [...(byGroup.get(group) ?? []), pod]);
    }
    for (const [group, groupPods] of byGroup) {
      const open = free.filter((b) => accepts(b, group));
      const result = firstFitDecreasing(groupPods, open);
      const binByName = new Map(open.map((b) => [b.name, b]));
      const podByKey = new Map(groupPods.map((x) => [x.key, x]));
      for (const p of result.placements) {
        const bin = binByName.get(p.binName) as FitBin;
        const pod = podByKey.get(p.podKey) as FitPod;
        bin.freeCpuMilli -= pod.cpuRequestMilli;
        bin.freeMemoryMiB -= pod.memoryRequestMiB;
        bin.freePods -= 1;
        placements.push(p);
      }
      unplaced.push(...result.unplaced);
    }
    return { placements, unplaced };
  };
}
