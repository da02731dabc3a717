import {
  type ConsolidationPlanResponse,
  consolidationRunMaxNodes,
  type PlanMinimumDrift,
} from '../model/consolidation';
import type { Policy } from '../model/policy';
import { podKey } from '../savings/cluster';
import {
  type ConsolidationRunInput,
  planConsolidationRun,
  type RunNodeGroup,
} from '../savings/consolidation-run';
import { lowerGroupMinimumsOf } from './merge';
import {
  type NodeTaint,
  type PlacementNode,
  type PlacementPod,
  placementFit,
  type WorkloadScheduling,
} from './pod-placement';
import {
  consolidationInputOf,
  type PolicyPreviewInput,
  type PreviewNode,
  type PreviewWorkload,
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
  /** Its taints (absent: not known, an inventory written before they were kept). */
  taints?: readonly NodeTaint[];
}

/** A workload with its pods' scheduling constraints (absent or `null`: not known). */
export interface PlanWorkload extends PreviewWorkload {
  scheduling?: WorkloadScheduling | null;
}

/** A node carries at most this many labels in the inventory; a node cut there has unknown labels. */
export const storedLabelsCap = 64;

export interface ConsolidationPlanInput
  extends Omit<PolicyPreviewInput, 'nodes' | 'workloads' | 'lastSpotMonthlySavingUsd'> {
  clusterId: string;
  snapshotAt: string | null;
  nodes: readonly PlanInventoryNode[];
  workloads: readonly PlanWorkload[];
  groups: readonly RunNodeGroup[];
  /**
   * The labels of the nodes a replacement would be launched with, when another pool than the replaced
   * nodes' own launches it: only pods the scheduler admits there may move to it. Absent: each replacement
   * comes from its nodes' own pool and takes their pods.
   */
  replacementLabels?: Readonly<Record<string, string>>;
  /**
   * The optimizer's latest action on a node by name (ISO: when it finished, or started while in flight):
   * a node acted on within the stabilization window is not planned again (ADR 0044).
   */
  lastActedOn?: Readonly<Record<string, string>>;
  /**
   * Groups whose minimum was set back outside the product since it lowered it (ADR 0073): never lowered
   * again until the policy is saved again; listed in the plan with the report.
   */
  minimumDrift?: readonly PlanMinimumDrift[];
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
  // Where the re-fit may put a pod: its own group's nodes, and, where its workload's constraints and
  // the node's labels and taints are known, any node kube-scheduler would admit it on (ADR 0057).
  const schedulingOf = new Map(input.workloads.map((w) => [w.key, w.scheduling ?? null]));
  const placementNodes = new Map<string, PlacementNode>(
    summed.map((n) => [
      n.name,
      {
        group: n.nodeGroupId,
        labels: n.labels && Object.keys(n.labels).length < storedLabelsCap ? n.labels : undefined,
        taints: n.taints,
        capacityType: n.capacityType,
      },
    ]),
  );
  const placementPods = new Map<string, PlacementPod>(
    pods.map((p) => [
      podKey(p),
      // The synthetic pods carry their workload's key as their owner's name (see consolidationInputOf).
      { node: p.nodeName ?? null, scheduling: schedulingOf.get(p.owner?.name ?? '') ?? null },
    ]),
  );
  const fit = placementFit(placementNodes, placementPods, input.replacementLabels);
  const unknownScheduling = input.workloads.filter((w) => (w.scheduling ?? null) === null).length;
  if (unknownScheduling > 0) {
    notes.push(
      `${unknownScheduling} workload(s) come from an inventory that predates their scheduling constraints: their pods move only within their node group until the next sync.`,
    );
  }
  const runInput: ConsolidationRunInput = {
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
  };
  const minimumDrift = input.minimumDrift ?? [];
  const { run, minimumChanges, heldByMinimums } = planWithTakeover(
    runInput,
    input,
    fit,
    lowerGroupMinimumsOf(policy),
    new Set(minimumDrift.map((d) => d.nodeGroupId)),
  );
  for (const c of minimumChanges) {
    notes.push(
      `Node group takeover: the run lowers the minimum size of ${c.name} from ${c.fromMinSize} to ${c.toMinSize} (${c.nodes} nodes now, ${c.toMinSize} after the run), right before terminating the node that needs it, never below what its remaining pods need; this saves $${c.monthlySavingUsd.toFixed(2)}/month more. The group's infrastructure as code may set it back; every change is audited.`,
    );
  }
  for (const h of heldByMinimums) {
    notes.push(
      `The minimum size of ${h.name} (${h.minSize}; ${h.nodes} nodes now) keeps nodes this plan would remove: with a minimum of ${h.minimumToAllow}, this plan would save $${h.monthlySavingUsd.toFixed(2)}/month more. ${
        h.nodeGroupKind === 'karpenter-nodepool'
          ? 'The optimizer never changes a NodePool.'
          : minimumDrift.some((d) => d.nodeGroupId === h.nodeGroupId)
            ? 'Its minimum was set back outside the product after the optimizer lowered it, so the optimizer no longer lowers it.'
            : lowerGroupMinimumsOf(policy)
              ? 'The optimizer could not plan the lower minimum for it.'
              : "The optimizer changes a group's minimum only when the policy allows it (Allow the optimizer to lower node group minimums; on by default at Aggressive)."
      }`,
    );
  }
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
    heldByMinimums: heldByMinimums.map(({ nodeGroupKind: _, ...h }) => h),
    minimumChanges,
    minimumDrift: [...minimumDrift],
    notes,
  };
}

type HeldByMinimum = ConsolidationPlanResponse['heldByMinimums'][number] & {
  nodeGroupKind: RunNodeGroup['kind'];
};

/**
 * Node group takeover (ADR 0067). Off: the plan as it is, and what each minimum holds. On: every ASG or
 * managed node group whose minimum held an extra saving is planned again with its minimum lifted; the
 * minimum the run may lower it to is the number of its nodes that plan keeps (what its remaining pods
 * need), and the plan is made once more with those minimums, so no step takes a group below it.
 */
function planWithTakeover(
  runInput: ConsolidationRunInput,
  input: ConsolidationPlanInput,
  fit: ReturnType<typeof placementFit>,
  lowerGroupMinimums: boolean,
  /** Groups whose minimum is not lowered whatever the policy (set back outside the product, ADR 0073). */
  yielded: ReadonlySet<string> = new Set(),
): {
  run: ReturnType<typeof planConsolidationRun>;
  minimumChanges: ConsolidationPlanResponse['minimumChanges'];
  heldByMinimums: HeldByMinimum[];
} {
  const run = planConsolidationRun(runInput, input.now, { fit });
  const held = heldByMinimumsOf(run, runInput, input, fit);
  const liftable = new Set(
    held
      .filter((h) => h.nodeGroupKind !== 'karpenter-nodepool' && !yielded.has(h.nodeGroupId))
      .map((h) => h.nodeGroupId),
  );
  if (!lowerGroupMinimums || liftable.size === 0) return { run, minimumChanges: [], heldByMinimums: held };
  const nodesIn = (id: string) => input.nodes.filter((n) => n.nodeGroupId === id).length;
  const lifted = planConsolidationRun(
    { ...runInput, groups: runInput.groups.map((g) => (liftable.has(g.id) ? { ...g, minSize: 0 } : g)) },
    input.now,
    { fit },
  );
  const targets = new Map<string, number>();
  for (const g of runInput.groups) {
    if (!liftable.has(g.id)) continue;
    const kept = nodesIn(g.id) - lifted.steps.filter((s) => s.nodeGroupId === g.id).length;
    if (kept < g.minSize) targets.set(g.id, Math.max(0, kept));
  }
  if (targets.size === 0) return { run, minimumChanges: [], heldByMinimums: held };
  const takenInput = {
    ...runInput,
    groups: runInput.groups.map((g) =>
      targets.has(g.id) ? { ...g, minSize: targets.get(g.id) ?? g.minSize } : g,
    ),
  };
  const taken = planConsolidationRun(takenInput, input.now, { fit });
  // Never worse than the plan without takeover (a different first fit could be).
  if (taken.monthlySavingUsd <= run.monthlySavingUsd)
    return { run, minimumChanges: [], heldByMinimums: held };
  const minimumChanges: ConsolidationPlanResponse['minimumChanges'] = [];
  for (const g of runInput.groups) {
    const to = targets.get(g.id);
    const removed = taken.steps.filter((s) => s.nodeGroupId === g.id).length;
    if (to === undefined || removed === 0) continue;
    const nodes = nodesIn(g.id);
    // What the final plan keeps of the group, never more than the minimum it had.
    const toMinSize = Math.min(g.minSize, Math.max(to, nodes - removed));
    if (toMinSize >= g.minSize) continue;
    const without = planConsolidationRun(
      { ...takenInput, groups: takenInput.groups.map((x) => (x.id === g.id ? g : x)) },
      input.now,
      { fit },
    );
    minimumChanges.push({
      nodeGroupId: g.id,
      name: g.name,
      nodeGroupKind: g.kind === 'managed-node-group' ? 'managed-node-group' : 'asg',
      autoScalingGroupName: g.autoScalingGroupName,
      fromMinSize: g.minSize,
      toMinSize,
      nodes,
      monthlySavingUsd: Math.max(
        0,
        Math.round((taken.monthlySavingUsd - without.monthlySavingUsd) * 100) / 100,
      ),
    });
  }
  return {
    run: taken,
    minimumChanges,
    heldByMinimums: heldByMinimumsOf(taken, takenInput, input, fit),
  };
}

/**
 * For each group that kept candidates at its minimum (`group-minimum` skips): the same plan with that
 * group's minimum alone taken as 0, and what it saves on top (ADR 0066). Groups whose lifted minimum
 * would add nothing (their candidates' pods fit nowhere else) are left out.
 */
function heldByMinimumsOf(
  run: ReturnType<typeof planConsolidationRun>,
  runInput: ConsolidationRunInput,
  input: ConsolidationPlanInput,
  fit: ReturnType<typeof placementFit>,
): HeldByMinimum[] {
  const ids = new Set(
    run.skipped
      .filter((s) => s.reason === 'group-minimum')
      .flatMap((s) => runInput.owners[s.node]?.nodeGroupId ?? []),
  );
  const out: HeldByMinimum[] = [];
  for (const group of runInput.groups) {
    if (!ids.has(group.id)) continue;
    const lifted = planConsolidationRun(
      { ...runInput, groups: runInput.groups.map((g) => (g.id === group.id ? { ...g, minSize: 0 } : g)) },
      input.now,
      { fit },
    );
    const more = Math.round((lifted.monthlySavingUsd - run.monthlySavingUsd) * 100) / 100;
    const removed = lifted.steps.filter((s) => s.nodeGroupId === group.id).length;
    if (more <= 0 || removed === 0) continue;
    const nodes = input.nodes.filter((n) => n.nodeGroupId === group.id).length;
    out.push({
      nodeGroupId: group.id,
      name: group.name,
      minSize: group.minSize,
      nodes,
      minimumToAllow: Math.max(0, nodes - removed),
      monthlySavingUsd: more,
      nodeGroupKind: group.kind,
    });
  }
  return out;
}
