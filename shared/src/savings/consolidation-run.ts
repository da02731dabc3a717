import { hasDoNotDisrupt, indexPdbs, isPodExempt, type Pod, podKey } from './cluster';
import {
  type ConsolidationInput,
  type ConsolidationPlan,
  type NodeBlocker,
  planConsolidation,
  type ReplacementNode,
} from './consolidation';
import { toMonthlyUsd } from './cost';
import type { FitFunction } from './fit';
import type { NodeGroupKind } from './snapshot-model';

/**
 * The consolidation plan turned into what the optimizer executes, node by node: who owns each node (so
 * it is terminated through that owner), the pods evicted from it, and the wave it belongs to. On top of
 * `planConsolidation` (which already keeps exempt, do-not-disrupt and PDB-blocked pods where they are):
 * - an owner must be known: a self-managed ASG or a managed node group (terminated in its Auto Scaling
 *   group with the desired capacity decremented, so the group does not launch a replacement), or a
 *   Karpenter NodePool (the Node object is deleted and Karpenter's finalizer drains and terminates it);
 * - a group never goes below its minimum size: the nodes of a group already at it are not candidates
 *   (they stay, and may receive other nodes' pods); in the others nodes are taken in plan order until
 *   the group is at it;
 * - a replacement (replace-and-move) is launched by Karpenter only; an ASG cannot launch a chosen type,
 *   so a replace action with a node of another owner is skipped as a whole (its replacement was sized
 *   for all of its nodes);
 * - at most `maxNodesInFlight` nodes are drained at once (one wave), and within a wave no PDB loses more
 *   pods than it allows.
 * Nodes left out are listed with the reason. Saving: what the removed nodes cost minus the replacements,
 * USD/h, split over the nodes of an action in proportion to their price.
 */

export interface RunNodeGroup {
  id: string;
  name: string;
  kind: NodeGroupKind;
  minSize: number;
  /** The Auto Scaling group behind an ASG or a managed node group; `null` for a NodePool or when unknown. */
  autoScalingGroupName: string | null;
}

/** Where a node comes from: its EC2 instance and its group (`null`: not known). */
export interface RunNodeOwner {
  instanceId: string | null;
  nodeGroupId: string | null;
}

export interface ConsolidationRunInput {
  consolidation: ConsolidationInput;
  groups: readonly RunNodeGroup[];
  /** By node name; a node missing here has an unknown owner. */
  owners: Readonly<Record<string, RunNodeOwner>>;
  /** Nodes drained at once (policy `infrastructure.binPacking.maxNodesInFlight`), at least 1. */
  maxNodesInFlight: number;
  /** At most this many nodes in the plan (a run's cap); the rest are skipped as `run-cap`. Default: no cap. */
  maxNodes?: number;
}

/** How the node goes away once drained. */
export type Termination = 'asg-terminate-decrement' | 'karpenter-delete-node';

export interface RunEviction {
  /** `namespace/name` of the pod. */
  pod: string;
  namespace: string;
  /** The pod's owner (`Kind/name`), so a person can tell the workload. */
  workload: string;
  toNode: string;
}

export interface RunStep {
  node: string;
  /** 0-based; the nodes of one wave are drained together, a wave starts when the one before is done. */
  wave: number;
  kind: 'delete' | 'replace';
  instanceId: string | null;
  instanceType: string;
  nodeGroupId: string;
  nodeGroupKind: NodeGroupKind;
  termination: Termination;
  autoScalingGroupName: string | null;
  evictions: RunEviction[];
  /** This node's share of its action's saving, USD/h. */
  hourlySavingUsd: number;
  monthlySavingUsd: number;
}

export type SkipReason =
  | 'owner-unknown'
  | 'group-minimum'
  | 'replacement-needs-karpenter'
  | 'protected-pod'
  | 'pdb-budget'
  | 'run-cap';

export interface SkippedNode {
  node: string;
  reason: SkipReason;
  /** In words a person can act on. */
  message: string;
  hourlyPriceUsd: number;
}

/** A node the planner would not touch at all, with every failing condition. */
export interface HeldNode {
  node: string;
  status: 'unmanaged' | 'blocked' | 'stabilizing';
  reasons: NodeBlocker[];
  /** A stabilizing node: when its window ends (ISO). */
  actionableAt?: string;
}

export interface ConsolidationRunPlan {
  steps: RunStep[];
  skipped: SkippedNode[];
  held: HeldNode[];
  replacements: ReplacementNode[];
  waves: number;
  maxNodesInFlight: number;
  podsEvicted: number;
  hourlySavingUsd: number;
  monthlySavingUsd: number;
  /** The plan before owners, the minimums of groups above theirs, and waves. */
  plannedMonthlySavingUsd: number;
}

const ownerName = (p: Pod) => `${p.owner?.kind ?? 'Pod'}/${p.owner?.name ?? p.name}`;

export function planConsolidationRun(
  input: ConsolidationRunInput,
  now: Date,
  options: { fit?: FitFunction } = {},
): ConsolidationRunPlan {
  const { consolidation } = input;
  const groupsById = new Map(input.groups.map((g) => [g.id, g]));
  // Nodes per group now: every node of the inventory, whatever the plan does with it.
  const remaining = new Map<string, number>();
  for (const n of consolidation.nodes) {
    const id = input.owners[n.name]?.nodeGroupId;
    if (id) remaining.set(id, (remaining.get(id) ?? 0) + 1);
  }
  // A group already at its minimum loses no node: its nodes are not candidates, so the planner looks
  // for the saving elsewhere and may still move other nodes' pods into their room (ADR 0057). A group
  // above its minimum is checked action by action below.
  const atMinimum = (name: string) => {
    const group = groupsById.get(input.owners[name]?.nodeGroupId ?? '');
    return group !== undefined && (remaining.get(group.id) ?? 0) <= group.minSize;
  };
  const keep = new Set(consolidation.nodes.filter((n) => atMinimum(n.name)).map((n) => n.name));
  // Only a Karpenter NodePool launches a chosen type: a replacement is planned for its nodes alone.
  const replaceable = new Set(
    consolidation.nodes
      .filter((n) => groupsById.get(input.owners[n.name]?.nodeGroupId ?? '')?.kind === 'karpenter-nodepool')
      .map((n) => n.name),
  );
  const plan: ConsolidationPlan = planConsolidation(consolidation, now, { ...options, keep, replaceable });
  const maxNodesInFlight = Math.max(1, Math.floor(input.maxNodesInFlight));
  const nodesByName = new Map(consolidation.nodes.map((n) => [n.name, n]));
  const podsByKey = new Map(consolidation.pods.map((p) => [podKey(p), p]));

  const skipped: SkippedNode[] = [];
  const chosen: Omit<RunStep, 'wave'>[] = [];
  const skip = (node: string, reason: SkipReason, message: string) =>
    skipped.push({ node, reason, message, hourlyPriceUsd: nodesByName.get(node)?.hourlyPriceUsd ?? 0 });
  for (const n of plan.nodes) {
    if (n.status !== 'candidate' || !keep.has(n.node)) continue;
    const group = groupsById.get(input.owners[n.node]?.nodeGroupId ?? '') as RunNodeGroup;
    skip(
      n.node,
      'group-minimum',
      `${group.name} is at its minimum size (${group.minSize}): lower the minimum to let the optimizer remove this node.`,
    );
  }

  for (const action of plan.actions) {
    const owned = action.nodes.map((name) => {
      const owner = input.owners[name];
      const group = owner?.nodeGroupId ? groupsById.get(owner.nodeGroupId) : undefined;
      const evictions = action.moves
        .filter((m) => m.fromNode === name)
        .map((m) => ({ move: m, pod: podsByKey.get(m.pod) }));
      return { name, owner, group, evictions };
    });
    const problems = new Map<string, { reason: SkipReason; message: string }>();
    for (const o of owned) {
      // The planner keeps these pods in place already; checked again because an eviction is irreversible.
      const protectedPod = o.evictions.find(
        (e) =>
          e.pod === undefined ||
          isPodExempt(e.pod, consolidation.policy.exemptions) ||
          hasDoNotDisrupt(e.pod.annotations),
      );
      if (protectedPod) {
        problems.set(o.name, {
          reason: 'protected-pod',
          message: `${protectedPod.move.pod} is exempt or marked karpenter.sh/do-not-disrupt: the node stays.`,
        });
      } else if (o.group === undefined) {
        problems.set(o.name, {
          reason: 'owner-unknown',
          message: 'No node group owns this node in the last inventory (a standalone instance?): it stays.',
        });
      } else if (
        o.group.kind !== 'karpenter-nodepool' &&
        (o.group.autoScalingGroupName === null || !o.owner?.instanceId)
      ) {
        problems.set(o.name, {
          reason: 'owner-unknown',
          message: `The Auto Scaling group or EC2 instance of ${o.group.name} is not known yet: it stays until the next sync finds them.`,
        });
      } else if (action.kind === 'replace' && o.group.kind !== 'karpenter-nodepool') {
        problems.set(o.name, {
          reason: 'replacement-needs-karpenter',
          message: `Replacing it needs a cheaper node launched; ${o.group.name} is not a Karpenter NodePool, so only its removal could be done, and its pods would not fit.`,
        });
      }
    }
    // A replacement was sized for every node of its action: one node out and the action is skipped.
    if (action.kind === 'replace' && problems.size > 0) {
      for (const o of owned) {
        const problem = problems.get(o.name);
        if (problem) skip(o.name, problem.reason, problem.message);
        else
          skip(
            o.name,
            'replacement-needs-karpenter',
            'It was to be replaced together with a node that stays: it stays too.',
          );
      }
      continue;
    }
    // Group minimums, counted over the whole action before anything is taken.
    const taken = new Map<string, number>();
    for (const o of owned) {
      if (problems.has(o.name) || o.group === undefined) continue;
      const left = (remaining.get(o.group.id) ?? 0) - (taken.get(o.group.id) ?? 0);
      if (left - 1 < o.group.minSize) {
        problems.set(o.name, {
          reason: 'group-minimum',
          message: `${o.group.name} is at its minimum size (${o.group.minSize}): lower the minimum to let the optimizer remove this node.`,
        });
      } else {
        taken.set(o.group.id, (taken.get(o.group.id) ?? 0) + 1);
      }
    }
    if (action.kind === 'replace' && problems.size > 0) {
      for (const o of owned) {
        const problem = problems.get(o.name) ?? {
          reason: 'group-minimum' as const,
          message: 'It was to be replaced together with a node that stays: it stays too.',
        };
        skip(o.name, problem.reason, problem.message);
      }
      continue;
    }
    for (const [id, count] of taken) remaining.set(id, (remaining.get(id) ?? 0) - count);
    const actionPrice = action.nodes.reduce((s, n) => s + (nodesByName.get(n)?.hourlyPriceUsd ?? 0), 0);
    for (const o of owned) {
      const problem = problems.get(o.name);
      if (problem) {
        skip(o.name, problem.reason, problem.message);
        continue;
      }
      const node = nodesByName.get(o.name);
      const group = o.group as RunNodeGroup;
      const price = node?.hourlyPriceUsd ?? 0;
      const hourlySavingUsd =
        action.kind === 'delete'
          ? price
          : actionPrice > 0
            ? action.hourlySavingUsd * (price / actionPrice)
            : 0;
      chosen.push({
        node: o.name,
        kind: action.kind,
        instanceId: o.owner?.instanceId ?? null,
        instanceType: node?.instanceType ?? '',
        nodeGroupId: group.id,
        nodeGroupKind: group.kind,
        termination:
          group.kind === 'karpenter-nodepool' ? 'karpenter-delete-node' : 'asg-terminate-decrement',
        autoScalingGroupName: group.kind === 'karpenter-nodepool' ? null : group.autoScalingGroupName,
        evictions: o.evictions.map(({ move, pod }) => ({
          pod: move.pod,
          namespace: pod?.namespace ?? '',
          workload: pod ? ownerName(pod) : move.pod,
          toNode: move.toNode,
        })),
        hourlySavingUsd,
        monthlySavingUsd: toMonthlyUsd(hourlySavingUsd),
      });
    }
  }

  const steps = assignWaves(chosen, consolidation, podsByKey, maxNodesInFlight, skip);
  const maxNodes = input.maxNodes ?? Number.POSITIVE_INFINITY;
  for (const step of steps.splice(maxNodes)) {
    skip(step.node, 'run-cap', `A run removes at most ${maxNodes} nodes: this one waits for the next run.`);
  }
  const kept = new Set(steps.map((s) => s.node));
  const replacements = plan.actions
    .filter((a) => a.replacement !== null && a.nodes.every((n) => kept.has(n)))
    .map((a) => a.replacement as ReplacementNode);
  const hourlySavingUsd = steps.reduce((s, step) => s + step.hourlySavingUsd, 0);
  return {
    steps,
    skipped,
    held: plan.nodes
      .filter((n) => n.status === 'unmanaged' || n.status === 'blocked' || n.status === 'stabilizing')
      .map((n) => ({
        node: n.node,
        status: n.status as HeldNode['status'],
        reasons: n.reasons,
        ...(n.status === 'stabilizing' && n.actionableAt ? { actionableAt: n.actionableAt } : {}),
      })),
    replacements,
    waves: steps.length === 0 ? 0 : Math.max(...steps.map((s) => s.wave)) + 1,
    maxNodesInFlight,
    podsEvicted: steps.reduce((s, step) => s + step.evictions.length, 0),
    hourlySavingUsd,
    monthlySavingUsd: toMonthlyUsd(hourlySavingUsd),
    plannedMonthlySavingUsd: plan.monthlySavingUsd,
  };
}

/**
 * Waves of at most `maxNodesInFlight` nodes, in plan order (empty nodes first, as planned). A node whose
 * evictions would take a PDB past its budget within the wave starts the next one; one that alone exceeds
 * a budget is skipped (the planner never plans that, the check keeps the promise local).
 */
function assignWaves(
  chosen: readonly Omit<RunStep, 'wave'>[],
  consolidation: ConsolidationInput,
  podsByKey: ReadonlyMap<string, Pod>,
  maxNodesInFlight: number,
  skip: (node: string, reason: SkipReason, message: string) => void,
): RunStep[] {
  const pdbs = indexPdbs(consolidation.pdbs);
  const budget = new Map(consolidation.pdbs.map((p) => [`${p.namespace}/${p.name}`, p.disruptionsAllowed]));
  const pdbUseOf = (step: Omit<RunStep, 'wave'>) => {
    const use = new Map<string, number>();
    for (const e of step.evictions) {
      const pod = podsByKey.get(e.pod);
      if (pod?.pdbName === undefined || !pdbs.has(`${pod.namespace}/${pod.pdbName}`)) continue;
      const key = `${pod.namespace}/${pod.pdbName}`;
      use.set(key, (use.get(key) ?? 0) + 1);
    }
    return use;
  };
  const steps: RunStep[] = [];
  let wave = 0;
  let inWave = 0;
  let waveUse = new Map<string, number>();
  for (const step of chosen) {
    const use = pdbUseOf(step);
    const over = [...use].find(([key, n]) => n > (budget.get(key) ?? 0));
    if (over) {
      skip(
        step.node,
        'pdb-budget',
        `Its pods of ${over[0]} exceed what that PodDisruptionBudget allows at once.`,
      );
      continue;
    }
    const fits = [...use].every(([key, n]) => (waveUse.get(key) ?? 0) + n <= (budget.get(key) ?? 0));
    if (inWave >= maxNodesInFlight || !fits) {
      wave += inWave > 0 ? 1 : 0;
      inWave = 0;
      waveUse = new Map();
    }
    for (const [key, n] of use) waveUse.set(key, (waveUse.get(key) ?? 0) + n);
    inWave += 1;
    steps.push({ ...step, wave });
  }
  return steps;
}
