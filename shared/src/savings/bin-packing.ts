import { convergedLp } from '../packing/converged-lp';
import { pack } from '../packing/pack';
import { type PackingPlan, type PackingProblemInput, parsePackingProblem } from '../packing/problem';
import type { VectorProblem } from '../packing/vector';
import type { CapacityType, ExemptionPolicy } from './cluster';
import { toMonthlyUsd } from './cost';
import type { LivePrices } from './node-pricing';
import { packingInputOf, packingProblem } from './packing-input';
import type { SnapshotModel } from './snapshot-model';

/**
 * Bin-packing estimate of a cluster: the cost of the packer's plan (`shared/src/packing`, `pack`, with its
 * proven lower bound) for the same pods under the cluster's constraints (`packing-input.ts`), against what
 * its nodes cost now. Pods pinned to a hostname, or that no allowed type can hold, keep their node: those
 * nodes are in the plan as they are, with every pod on them.
 *
 *   monthlySavingUsd = max(0, current hourly cost - plan hourly cost) x 730
 */

export interface BinPackingEstimate {
  currentHourlyCostUsd: number;
  planHourlyCostUsd: number;
  /** Proven lower bound of any plan's cost (pinned nodes included), USD/h. */
  lowerBoundHourlyCostUsd: number;
  monthlySavingUsd: number;
  /** (plan - bound) / plan: how far the plan may be from the best possible one (0 = proven optimal). */
  gapToLowerBound: number | null;
  nodesNow: number;
  nodesInPlan: number;
  plan: { instanceType: string; capacityType: CapacityType; count: number }[];
  pinnedNodes: number;
  podsPacked: number;
  /** Pending pods no allowed type can hold: left out of both sides. */
  unplaceablePods: number;
  origin: string;
  solveMs: number;
  notes: string[];
}

export interface PackingOptions {
  /** Configured instance types per node group id (node groups, Karpenter pools). */
  allowedTypes?: ReadonlyMap<string, readonly string[]>;
  timeLimitMs?: number;
  /** Skip the LP phases (heuristics and simple bounds only): for very large clusters. */
  heuristicsOnly?: boolean;
  /** The policy's exemptions: their nodes and pods stay as they are (never a saving). */
  exemptions?: ExemptionPolicy;
  /**
   * Extra time, ms, to tighten the bound with the converged configuration LP (`converged-lp.ts`, ADR
   * 0054) when the plan is more than {@link TIGHTEN_ABOVE_GAP} above it: the dashboard's "within X %"
   * then reads a bound closer to the LP optimum. 0 or absent: the packer's own bound.
   */
  boundBudgetMs?: number;
}

/** Gap (plan - bound) / plan above which the bound is worth tightening. */
export const TIGHTEN_ABOVE_GAP = 0.01;

/** The bin-packing estimate of a cluster (see the module comment); `null` when nothing can be priced or packed. */
export async function estimateBinPacking(
  model: SnapshotModel,
  live: LivePrices,
  options: PackingOptions = {},
): Promise<BinPackingEstimate | null> {
  const started = performance.now();
  const notes: string[] = [];
  const input = packingInputOf(model, live, options.allowedTypes, options.exemptions);
  if (!input) return null;
  const { priced, nodeByName, movable, pinned } = input;
  if (priced.length < model.nodes.length) {
    notes.push(`${model.nodes.length - priced.length} node(s) have no known price: left out of both sides.`);
  }

  // The problem whose optimum the plan's bound bounds (a relaxation for spread), and the kept nodes' cost.
  let boundProblem: { vector: VectorProblem; keptHourlyUsd: number } | undefined;
  const solve = async (problem: PackingProblemInput): Promise<PackingPlan> => {
    const parsed = parsePackingProblem(problem);
    try {
      return await pack(parsed, {
        timeLimitMs: options.timeLimitMs ?? 300,
        heuristicsOnly: options.heuristicsOnly ?? false,
        onBoundProblem: (vector, keptHourlyUsd) => {
          boundProblem = { vector, keptHourlyUsd };
        },
      });
    } catch (error) {
      // The LP solver (HiGHS, WebAssembly) could not run: the heuristic plan and the simple bounds hold.
      notes.push(
        `LP solver unavailable (${error instanceof Error ? error.message : String(error)}): heuristic plan.`,
      );
      boundProblem = undefined;
      return pack(parsed, { heuristicsOnly: true });
    }
  };
  /** The plan's bound, raised by the converged LP's (Farley) bound when there is budget for it. */
  const tightened = async (plan: PackingPlan): Promise<number> => {
    const budget = options.boundBudgetMs ?? 0;
    const gap =
      plan.hourlyCostUsd > 0 ? (plan.hourlyCostUsd - plan.lowerBoundHourlyUsd) / plan.hourlyCostUsd : 0;
    if (budget <= 0 || !boundProblem || gap <= TIGHTEN_ABOVE_GAP) return plan.lowerBoundHourlyUsd;
    try {
      const lp = await convergedLp(boundProblem.vector, { timeLimitMs: budget });
      // Every Farley bound is a proven bound on that problem's optimum, whether or not the LP converged.
      return Math.max(plan.lowerBoundHourlyUsd, (lp.lower + boundProblem.keptHourlyUsd) * (1 - 1e-9));
    } catch {
      return plan.lowerBoundHourlyUsd;
    }
  };

  let plan = await solve(packingProblem(input));
  let unplaceablePods = 0;
  if (plan.unplaced.length > 0) {
    const podByKey = new Map(movable.map((p) => [p.key, p]));
    for (const u of plan.unplaced) {
      const pod = podByKey.get(u.pod.replace(/#\d+$/, ''));
      if (pod?.nodeName) pinned.add(pod.nodeName);
      else unplaceablePods += 1;
    }
    plan = await solve(packingProblem(input));
  }
  if (pinned.size > 0) {
    notes.push(
      `${pinned.size} node(s) kept as they are: their pods fit no allowed type or are pinned to their host.`,
    );
  }
  if (unplaceablePods > 0) notes.push(`${unplaceablePods} pending pod(s) fit no allowed node type.`);

  const pinnedCost = [...pinned].reduce(
    (s, name) => s + (nodeByName.get(name)?.price.hourlyPriceUsd ?? 0),
    0,
  );
  const currentHourlyCostUsd = priced.reduce((s, n) => s + (n.price.hourlyPriceUsd ?? 0), 0);
  const planHourlyCostUsd = plan.hourlyCostUsd + pinnedCost;
  const lowerBoundHourlyCostUsd = Math.min((await tightened(plan)) + pinnedCost, planHourlyCostUsd);
  const counts = new Map<string, { instanceType: string; capacityType: CapacityType; count: number }>();
  for (const n of plan.nodes) {
    const key = `${n.instanceType}|${n.capacityType}`;
    const c = counts.get(key) ?? { instanceType: n.instanceType, capacityType: n.capacityType, count: 0 };
    c.count += 1;
    counts.set(key, c);
  }
  return {
    currentHourlyCostUsd,
    planHourlyCostUsd,
    lowerBoundHourlyCostUsd,
    monthlySavingUsd: toMonthlyUsd(Math.max(0, currentHourlyCostUsd - planHourlyCostUsd)),
    gapToLowerBound:
      planHourlyCostUsd > 0
        ? Math.max(0, (planHourlyCostUsd - lowerBoundHourlyCostUsd) / planHourlyCostUsd)
        : null,
    nodesNow: priced.length,
    nodesInPlan: plan.nodes.length + pinned.size,
    plan: [...counts.values()].sort(
      (a, b) => b.count - a.count || a.instanceType.localeCompare(b.instanceType),
    ),
    pinnedNodes: pinned.size,
    podsPacked: plan.nodes.reduce((s, n) => s + n.pods.length, 0),
    unplaceablePods,
    origin: plan.stats.origin,
    solveMs: Math.round(performance.now() - started),
    notes,
  };
}
