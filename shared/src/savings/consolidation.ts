import { z } from 'zod';
import {
  type ClusterNode,
  capacityTypeSchema,
  exemptionPolicySchema,
  hasDoNotDisrupt,
  indexPdbs,
  isNodeBound,
  isPodExempt,
  matchesExemptLabel,
  nodeSchema,
  type Pod,
  pdbAllowsDisruption,
  pdbSchema,
  podKey,
  podSchema,
} from './cluster';
import { toMonthlyUsd } from './cost';
import { SavingsError } from './errors';
import { type FitBin, type FitFunction, type FitPod, firstFitDecreasing } from './fit';

/**
 * Consolidation plan of a cluster under its policy, with Karpenter's semantics:
 * 1. empty nodes (no pods but DaemonSet/static ones) are deleted first, all at once;
 * 2. multi-node: candidates sorted by disruption cost / price (cheapest to disrupt per dollar first);
 *    binary search for the longest prefix (2..100 nodes) whose pods re-fit on the remaining nodes
 *    (plus, when replacements are allowed, at most ONE new node strictly cheaper than the prefix);
 * 3. single-node: each remaining candidate in the same order, deleted if its pods re-fit, or (when
 *    allowed) replaced by one strictly cheaper node. Never one node into many.
 * A node is a candidate when it is managed (no exempt label, no exempt pod), carries no do-not-disrupt pod
 * or annotation, no pod blocked by its PDB, is under the utilization threshold of the aggressiveness level
 * (empty nodes always qualify), passes the move-cost check (conservative and balanced) and has been
 * eligible for the stabilization window. Nodes that receive pods stop being candidates.
 */

export const aggressivenessLevels = ['conservative', 'balanced', 'aggressive'] as const;
export type Aggressiveness = (typeof aggressivenessLevels)[number];

/** "Utilized" = max(CPU requested / allocatable, memory requested / allocatable) below this (fraction). */
export const UTILIZATION_THRESHOLDS: Readonly<Record<Aggressiveness, number>> = {
  conservative: 0.2,
  balanced: 0.5,
  aggressive: 0.8,
};

export const consolidationMethods = ['delete-empty', 'replace-and-move'] as const;

/** Karpenter requires this many cheaper spot types before a spot node is replaced by another spot node. */
export const MIN_CHEAPER_SPOT_TYPES = 15;
/** Karpenter's cap on multi-node consolidation candidates per pass. */
export const MAX_MULTI_NODE_CANDIDATES = 100;

export const consolidationPolicySchema = z.object({
  aggressiveness: z.enum(aggressivenessLevels).default('balanced'),
  method: z.enum(consolidationMethods).default('replace-and-move'),
  stabilizationWindowMinutes: z.number().nonnegative().finite().default(10),
  exemptions: exemptionPolicySchema.default({ namespaces: [], labels: [] }),
  /** One-off cost of evicting and rescheduling one pod (restarts, cold caches), USD. */
  podDisruptionCostUsd: z.number().nonnegative().finite().default(0.25),
  /** A move must pay for its disruption within this many hours of the node's price. */
  movePaybackHours: z.number().positive().finite().default(168),
});
export type ConsolidationPolicy = z.infer<typeof consolidationPolicySchema>;

/** An instance type a replacement node may be launched as (from the pricing catalog and node template). */
export const replacementOptionSchema = z.object({
  instanceType: z.string().min(1),
  capacityType: capacityTypeSchema,
  hourlyPriceUsd: z.number().nonnegative().finite(),
  allocatableCpuMilli: z.number().positive().finite(),
  allocatableMemoryMiB: z.number().positive().finite(),
  maxPods: z.number().int().positive().optional(),
});
export type ReplacementOption = z.infer<typeof replacementOptionSchema>;

export const consolidationNodeSchema = nodeSchema.extend({
  /** Since when the node has been continuously eligible (ISO instant), `null` if not (yet) tracked. */
  eligibleSince: z.iso.datetime({ offset: true }).nullable().default(null),
});
export type ConsolidationNode = z.infer<typeof consolidationNodeSchema>;

export const consolidationInputSchema = z.object({
  nodes: z.array(consolidationNodeSchema),
  pods: z.array(podSchema),
  pdbs: z.array(pdbSchema).default([]),
  policy: consolidationPolicySchema,
  replacementOptions: z.array(replacementOptionSchema).default([]),
});
export type ConsolidationInput = z.infer<typeof consolidationInputSchema>;

export type NodeBlocker =
  | 'node-exempt'
  | 'pod-exempt'
  | 'node-do-not-disrupt'
  | 'pod-do-not-disrupt'
  | 'pod-pdb-blocked'
  | 'not-empty'
  | 'above-threshold'
  | 'move-costs-more'
  | 'stabilizing';

export type NodeStatus = 'candidate' | 'unmanaged' | 'blocked' | 'not-eligible' | 'stabilizing';

export interface NodeAssessment {
  node: string;
  hourlyPriceUsd: number;
  /** max(CPU requested / allocatable, memory requested / allocatable), all pods included. */
  utilization: number;
  movablePodCount: number;
  status: NodeStatus;
  /** Every failing condition, in check order. */
  reasons: NodeBlocker[];
  /** True when every condition but the stabilization window holds: the caller keeps `eligibleSince`. */
  eligibleNow: boolean;
  /** When the node becomes actionable (eligibleSince + window), ISO; `null` when not eligible/tracked. */
  actionableAt: string | null;
}

export interface PodMove {
  pod: string;
  fromNode: string;
  toNode: string;
  toReplacement: boolean;
}

export interface ReplacementNode {
  name: string;
  instanceType: string;
  capacityType: ClusterNode['capacityType'];
  hourlyPriceUsd: number;
}

export interface ConsolidationAction {
  phase: 'empty' | 'multi-node' | 'single-node';
  kind: 'delete' | 'replace';
  nodes: string[];
  replacement: ReplacementNode | null;
  moves: PodMove[];
  /** Sum of removed node prices - replacement price, USD/h (> 0 for every action that moves pods). */
  hourlySavingUsd: number;
}

export interface ConsolidationPlan {
  nodes: NodeAssessment[];
  actions: ConsolidationAction[];
  removedNodes: string[];
  replacements: ReplacementNode[];
  moves: PodMove[];
  hourlySavingUsd: number;
  /** hourlySavingUsd x 730, USD/month ("Potential Savings"). */
  monthlySavingUsd: number;
  /** Pods evicted and rescheduled by the plan (DaemonSet and static pods are not counted). */
  podsDisrupted: number;
  /** Cost of unmanaged (exempt) nodes: still in the spend, never in the savings, USD/h. */
  unmanagedHourlyCostUsd: number;
}

interface Capacity {
  cpuMilli: number;
  memoryMiB: number;
  pods: number;
}

interface NodeInfo {
  node: ConsolidationNode;
  pods: Pod[];
  movable: Pod[];
  nodeBound: Capacity;
  requested: Capacity;
  assessment: NodeAssessment;
}

interface Bin {
  name: string;
  free: Capacity;
  isReplacement: boolean;
}

interface PlanState {
  bins: Map<string, Bin>;
  removed: Set<string>;
  receivers: Set<string>;
  pdbBudget: Map<string, number>;
  replacementCount: number;
}

const EPSILON = 1e-9;

function sumRequests(pods: readonly Pod[]): Capacity {
  let cpuMilli = 0;
  let memoryMiB = 0;
  for (const p of pods) {
    cpuMilli += p.cpuRequestMilli;
    memoryMiB += p.memoryRequestMiB;
  }
  return { cpuMilli, memoryMiB, pods: pods.length };
}

function assessNode(
  node: ConsolidationNode,
  pods: Pod[],
  input: ConsolidationInput,
  pdbs: ReturnType<typeof indexPdbs>,
  nowMs: number,
): NodeInfo {
  const { policy } = input;
  const movable = pods.filter((p) => !isNodeBound(p));
  const requested = sumRequests(pods);
  const nodeBound = sumRequests(pods.filter(isNodeBound));
  const utilization = Math.max(
    requested.cpuMilli / node.allocatableCpuMilli,
    requested.memoryMiB / node.allocatableMemoryMiB,
  );
  const reasons: NodeBlocker[] = [];
  if (matchesExemptLabel(node.labels, policy.exemptions)) reasons.push('node-exempt');
  // DaemonSet and static pods are never evicted (they run on every node and go with it), so an exempt
  // DaemonSet (aws-node and kube-proxy in kube-system) does not make every node unmanaged.
  if (movable.some((p) => isPodExempt(p, policy.exemptions))) reasons.push('pod-exempt');
  if (hasDoNotDisrupt(node.annotations)) reasons.push('node-do-not-disrupt');
  if (movable.some((p) => hasDoNotDisrupt(p.annotations))) reasons.push('pod-do-not-disrupt');
  if (movable.some((p) => !pdbAllowsDisruption(p, pdbs))) reasons.push('pod-pdb-blocked');
  const empty = movable.length === 0;
  if (policy.method === 'delete-empty' && !empty) reasons.push('not-empty');
  if (!empty && utilization >= UTILIZATION_THRESHOLDS[policy.aggressiveness]) reasons.push('above-threshold');
  if (
    policy.aggressiveness !== 'aggressive' &&
    !empty &&
    movable.length * policy.podDisruptionCostUsd >= node.hourlyPriceUsd * policy.movePaybackHours
  ) {
    reasons.push('move-costs-more');
  }
  const eligibleNow = reasons.length === 0;
  const windowMs = policy.stabilizationWindowMinutes * 60_000;
  const sinceMs = node.eligibleSince === null ? null : Date.parse(node.eligibleSince);
  const actionableAtMs = eligibleNow && sinceMs !== null ? sinceMs + windowMs : null;
  if (eligibleNow && (actionableAtMs === null || actionableAtMs > nowMs)) reasons.push('stabilizing');

  const status: NodeStatus =
    reasons.length === 0
      ? 'candidate'
      : reasons.includes('node-exempt') || reasons.includes('pod-exempt')
        ? 'unmanaged'
        : reasons.some(
              (r) => r === 'node-do-not-disrupt' || r === 'pod-do-not-disrupt' || r === 'pod-pdb-blocked',
            )
          ? 'blocked'
          : reasons.includes('stabilizing')
            ? 'stabilizing'
            : 'not-eligible';
  return {
    node,
    pods,
    movable,
    nodeBound,
    requested,
    assessment: {
      node: node.name,
      hourlyPriceUsd: node.hourlyPriceUsd,
      utilization,
      movablePodCount: movable.length,
      status,
      reasons,
      eligibleNow,
      actionableAt: actionableAtMs === null ? null : new Date(actionableAtMs).toISOString(),
    },
  };
}

/** Disruption cost (pods evicted) per USD/h saved; Karpenter's ordering, cheapest to disrupt first. */
function candidateOrder(a: NodeInfo, b: NodeInfo): number {
  const ratio = (n: NodeInfo) =>
    n.node.hourlyPriceUsd > 0 ? n.movable.length / n.node.hourlyPriceUsd : Number.POSITIVE_INFINITY;
  return (
    ratio(a) - ratio(b) ||
    b.node.hourlyPriceUsd - a.node.hourlyPriceUsd ||
    a.node.name.localeCompare(b.node.name)
  );
}

const toFitPod = (pod: Pod): FitPod => ({
  key: podKey(pod),
  cpuRequestMilli: pod.cpuRequestMilli,
  memoryRequestMiB: pod.memoryRequestMiB,
});

const toFitBin = (bin: Bin): FitBin => ({
  name: bin.name,
  freeCpuMilli: bin.free.cpuMilli,
  freeMemoryMiB: bin.free.memoryMiB,
  freePods: bin.free.pods,
});

/** Runs the injected fit and re-checks its contract against the bins' free capacity. */
function checkedFit(fit: FitFunction, pods: readonly FitPod[], bins: readonly FitBin[]) {
  const result = fit(pods, bins);
  const free = new Map(bins.map((b) => [b.name, { ...b }]));
  const podsByKey = new Map(pods.map((p) => [p.key, p]));
  const seen = new Set<string>();
  for (const { podKey: key, binName } of result.placements) {
    const pod = podsByKey.get(key);
    const bin = free.get(binName);
    if (pod === undefined || bin === undefined || seen.has(key)) {
      throw new SavingsError(
        'SAVINGS_FIT_OVERCOMMIT',
        `The fit function placed ${key} on an unknown bin or twice.`,
      );
    }
    seen.add(key);
    bin.freeCpuMilli -= pod.cpuRequestMilli;
    bin.freeMemoryMiB -= pod.memoryRequestMiB;
    bin.freePods -= 1;
    if (bin.freeCpuMilli < -EPSILON || bin.freeMemoryMiB < -EPSILON || bin.freePods < 0) {
      throw new SavingsError('SAVINGS_FIT_OVERCOMMIT', `The fit function overcommitted ${binName}.`);
    }
  }
  const unplaced = pods.filter((p) => !seen.has(p.key)).map((p) => p.key);
  return { placements: result.placements, unplaced };
}

interface Evaluation {
  action: ConsolidationAction;
  newBin: Bin | null;
  pdbUse: Map<string, number>;
}

/**
 * Can `candidates` be removed together? Their movable pods re-fit on the remaining managed bins and, if
 * `allowReplacement`, at most one replacement node strictly cheaper than the candidates' total price.
 */
function evaluate(
  phase: ConsolidationAction['phase'],
  candidates: readonly NodeInfo[],
  state: PlanState,
  context: {
    fit: FitFunction;
    allowReplacement: boolean;
    /** Nodes whose owner can launch a replacement (absent: every node's). */
    replaceable?: ReadonlySet<string> | undefined;
    replacementOptions: readonly ReplacementOption[];
    unmanaged: ReadonlySet<string>;
  },
): Evaluation | null {
  const names = new Set(candidates.map((c) => c.node.name));
  const pdbUse = new Map<string, number>();
  for (const c of candidates) {
    for (const p of c.movable) {
      if (p.pdbName === undefined) continue;
      const key = `${p.namespace}/${p.pdbName}`;
      pdbUse.set(key, (pdbUse.get(key) ?? 0) + 1);
    }
  }
  for (const [key, used] of pdbUse) if (used > (state.pdbBudget.get(key) ?? 0)) return null;

  const pods = candidates.flatMap((c) => c.movable.map((p) => ({ pod: p, from: c.node.name })));
  const fitPods = pods.map((p) => toFitPod(p.pod));
  const bins = [...state.bins.values()]
    .filter((b) => !names.has(b.name) && !state.removed.has(b.name) && !context.unmanaged.has(b.name))
    .map(toFitBin);
  const fitted = checkedFit(context.fit, fitPods, bins);
  const fromByKey = new Map(pods.map((p) => [podKey(p.pod), p.from]));
  const totalPrice = candidates.reduce((sum, c) => sum + c.node.hourlyPriceUsd, 0);
  const moves: PodMove[] = fitted.placements.map(({ podKey: key, binName }) => ({
    pod: key,
    fromNode: fromByKey.get(key) ?? '',
    toNode: binName,
    toReplacement: state.bins.get(binName)?.isReplacement ?? false,
  }));

  if (fitted.unplaced.length === 0) {
    if (pods.length > 0 && totalPrice <= 0) return null;
    return {
      action: {
        phase,
        kind: 'delete',
        nodes: [...names],
        replacement: null,
        moves,
        hourlySavingUsd: totalPrice,
      },
      newBin: null,
      pdbUse,
    };
  }
  if (!context.allowReplacement) return null;
  if (context.replaceable && candidates.some((c) => !context.replaceable?.has(c.node.name))) return null;

  // One replacement for the pods that did not re-fit. It also hosts the DaemonSet overhead every node
  // carries (the largest of the candidates'), and must be strictly cheaper than what it replaces.
  const capacityType = candidates.some((c) => c.node.capacityType === 'on-demand') ? 'on-demand' : 'spot';
  const overhead: Capacity = {
    cpuMilli: Math.max(...candidates.map((c) => c.nodeBound.cpuMilli)),
    memoryMiB: Math.max(...candidates.map((c) => c.nodeBound.memoryMiB)),
    pods: Math.max(...candidates.map((c) => c.nodeBound.pods)),
  };
  const unplacedPods = fitPods.filter((p) => fitted.unplaced.includes(p.key));
  const fitting = context.replacementOptions
    .filter((o) => o.capacityType === capacityType && o.hourlyPriceUsd < totalPrice)
    .filter((o) => {
      const bin: FitBin = {
        name: 'replacement',
        freeCpuMilli: o.allocatableCpuMilli - overhead.cpuMilli,
        freeMemoryMiB: o.allocatableMemoryMiB - overhead.memoryMiB,
        freePods: (o.maxPods ?? Number.POSITIVE_INFINITY) - overhead.pods,
      };
      return checkedFit(context.fit, unplacedPods, [bin]).unplaced.length === 0;
    })
    .sort((a, b) => a.hourlyPriceUsd - b.hourlyPriceUsd || a.instanceType.localeCompare(b.instanceType));
  const chosen = fitting[0];
  if (chosen === undefined) return null;
  if (capacityType === 'spot' && fitting.length < MIN_CHEAPER_SPOT_TYPES) return null;

  const name = `replacement-${state.replacementCount + 1}`;
  const replacement: ReplacementNode = {
    name,
    instanceType: chosen.instanceType,
    capacityType: chosen.capacityType,
    hourlyPriceUsd: chosen.hourlyPriceUsd,
  };
  let usedCpuMilli = 0;
  let usedMemoryMiB = 0;
  for (const p of unplacedPods) {
    usedCpuMilli += p.cpuRequestMilli;
    usedMemoryMiB += p.memoryRequestMiB;
    moves.push({ pod: p.key, fromNode: fromByKey.get(p.key) ?? '', toNode: name, toReplacement: true });
  }
  return {
    action: {
      phase,
      kind: 'replace',
      nodes: [...names],
      replacement,
      moves,
      hourlySavingUsd: totalPrice - chosen.hourlyPriceUsd,
    },
    newBin: {
      name,
      isReplacement: true,
      free: {
        cpuMilli: chosen.allocatableCpuMilli - overhead.cpuMilli - usedCpuMilli,
        memoryMiB: chosen.allocatableMemoryMiB - overhead.memoryMiB - usedMemoryMiB,
        pods: (chosen.maxPods ?? Number.POSITIVE_INFINITY) - overhead.pods - unplacedPods.length,
      },
    },
    pdbUse,
  };
}

function apply(evaluation: Evaluation, state: PlanState, podsByKey: ReadonlyMap<string, Pod>): void {
  const { action, newBin, pdbUse } = evaluation;
  for (const name of action.nodes) state.removed.add(name);
  if (newBin !== null) {
    state.bins.set(newBin.name, newBin);
    state.replacementCount += 1;
    state.receivers.add(newBin.name);
  }
  for (const move of action.moves) {
    state.receivers.add(move.toNode);
    if (move.toReplacement && newBin !== null && move.toNode === newBin.name) continue;
    const bin = state.bins.get(move.toNode);
    const pod = podsByKey.get(move.pod);
    if (bin === undefined || pod === undefined) continue;
    bin.free.cpuMilli -= pod.cpuRequestMilli;
    bin.free.memoryMiB -= pod.memoryRequestMiB;
    bin.free.pods -= 1;
  }
  for (const [key, used] of pdbUse) state.pdbBudget.set(key, (state.pdbBudget.get(key) ?? 0) - used);
}

/**
 * Plans consolidation (see the module comment). Saving (USD/h) = sum over actions of (prices of removed
 * nodes - price of the replacement); monthly = x 730; pods disrupted = pods moved. `now` is injected for
 * the stabilization window; `fit` defaults to first-fit decreasing.
 */
export function planConsolidation(
  input: ConsolidationInput,
  now: Date,
  options: {
    fit?: FitFunction;
    /**
     * Nodes that must stay whatever their assessment (a group at its minimum size): never candidates,
     * still destinations for other nodes' pods.
     */
    keep?: ReadonlySet<string>;
    /**
     * Nodes whose owner can launch a cheaper replacement (a Karpenter NodePool); absent: every node's.
     * An action that needs a replacement takes only these, so the planner looks for plain removals
     * elsewhere instead of an action the run could not execute.
     */
    replaceable?: ReadonlySet<string>;
  } = {},
): ConsolidationPlan {
  const fit = options.fit ?? firstFitDecreasing;
  const nowMs = now.getTime();
  const pdbs = indexPdbs(input.pdbs);
  const podsByNode = new Map<string, Pod[]>();
  for (const pod of input.pods) {
    const list = podsByNode.get(pod.nodeName);
    if (list) list.push(pod);
    else podsByNode.set(pod.nodeName, [pod]);
  }
  const infos = input.nodes.map((n) => assessNode(n, podsByNode.get(n.name) ?? [], input, pdbs, nowMs));
  const unmanaged = new Set(infos.filter((i) => i.assessment.status === 'unmanaged').map((i) => i.node.name));
  const state: PlanState = {
    bins: new Map(
      infos.map((i) => [
        i.node.name,
        {
          name: i.node.name,
          isReplacement: false,
          free: {
            cpuMilli: i.node.allocatableCpuMilli - i.requested.cpuMilli,
            memoryMiB: i.node.allocatableMemoryMiB - i.requested.memoryMiB,
            pods: (i.node.maxPods ?? Number.POSITIVE_INFINITY) - i.requested.pods,
          },
        },
      ]),
    ),
    removed: new Set(),
    receivers: new Set(),
    pdbBudget: new Map(input.pdbs.map((p) => [`${p.namespace}/${p.name}`, p.disruptionsAllowed])),
    replacementCount: 0,
  };
  const podsByKey = new Map(input.pods.map((p) => [podKey(p), p]));
  const context = {
    fit,
    allowReplacement:
      input.policy.aggressiveness === 'aggressive' &&
      input.policy.method === 'replace-and-move' &&
      input.replacementOptions.length > 0,
    replacementOptions: input.replacementOptions,
    replaceable: options.replaceable,
    unmanaged,
  };
  const actions: ConsolidationAction[] = [];
  const candidates = infos
    .filter((i) => i.assessment.status === 'candidate' && !options.keep?.has(i.node.name))
    .sort(candidateOrder);

  // 1. Empty nodes, all at once.
  const empty = candidates.filter((c) => c.movable.length === 0);
  if (empty.length > 0) {
    const evaluation = evaluate('empty', empty, state, { ...context, allowReplacement: false });
    if (evaluation !== null) {
      apply(evaluation, state, podsByKey);
      actions.push(evaluation.action);
    }
  }

  if (input.policy.method === 'replace-and-move') {
    const available = () =>
      candidates.filter((c) => !state.removed.has(c.node.name) && !state.receivers.has(c.node.name));

    // 2. Multi-node: longest valid prefix by binary search (validity assumed monotone, as Karpenter does).
    const pool = available().slice(0, MAX_MULTI_NODE_CANDIDATES);
    let lo = 2;
    let hi = pool.length;
    let best: Evaluation | null = null;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const evaluation = evaluate('multi-node', pool.slice(0, mid), state, context);
      if (evaluation !== null) {
        best = evaluation;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best !== null) {
      apply(best, state, podsByKey);
      actions.push(best.action);
    }

    // 3. Single-node moves, in the same order, on the updated cluster.
    for (const candidate of available()) {
      if (state.removed.has(candidate.node.name) || state.receivers.has(candidate.node.name)) continue;
      const evaluation = evaluate('single-node', [candidate], state, context);
      if (evaluation !== null) {
        apply(evaluation, state, podsByKey);
        actions.push(evaluation.action);
      }
    }
  }

  const hourlySavingUsd = actions.reduce((sum, a) => sum + a.hourlySavingUsd, 0);
  const moves = actions.flatMap((a) => a.moves);
  return {
    nodes: infos.map((i) => i.assessment),
    actions,
    removedNodes: actions.flatMap((a) => a.nodes),
    replacements: actions.flatMap((a) => (a.replacement === null ? [] : [a.replacement])),
    moves,
    hourlySavingUsd,
    monthlySavingUsd: toMonthlyUsd(hourlySavingUsd),
    podsDisrupted: moves.length,
    unmanagedHourlyCostUsd: infos
      .filter((i) => i.assessment.status === 'unmanaged')
      .reduce((sum, i) => sum + i.node.hourlyPriceUsd, 0),
  };
}
