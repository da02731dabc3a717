/**
 * The vector packing solver: heuristics for a first plan, column generation for a proven lower bound,
 * then LP-guided plans (greedy on the duals, restricted-master MIP, diving) and local search, until the
 * plan meets the bound or the budget is spent.
 */

import { binCompletion, tightestWasteShare } from './bin-completion';
import { simpleLowerBound } from './bounds';
import {
  binsFromColumns,
  type Column,
  type ColumnGenerationOptions,
  columnGeneration,
  MasterProblem,
  solveRestrictedMip,
} from './colgen';
import { PackingSolverError } from './errors';
import { exactFill, exactFillApplies } from './exact-fill';
import { roundFluidSolution, solveFluidRelaxation } from './fluid';
import {
  cheaper,
  costAwareGreedy,
  eliminateBins,
  firstFitDecreasing,
  type HeuristicDeadline,
  resourceValues,
} from './heuristics';
import { type Highs, loadHighs } from './highs';
import { KnapsackLpBound } from './knapsack-lp';
import { lpDive, lpDiveApplies } from './lp-dive';
import { minimumBinSlack, minSlackApplies } from './min-slack';
import { eliminateNodes } from './node-elimination';
import { sequentialValueCorrection } from './value-correction';
import {
  binTypeCount,
  cheapestBinType,
  checkSolution,
  classCount,
  cloneBin,
  downsizeBins,
  fitsEmpty,
  type PackedBin,
  padToMinBins,
  solutionCost,
  type VectorProblem,
} from './vector';

/**
 * Work budgets make the result deterministic: the same problem and options give the same plan on any
 * machine. The wall-clock limit is a safety net that only binds on unusually large or slow runs.
 */
export interface SolveOptions {
  /** Wall-clock limit for the whole solve, ms (default 1500); phases also stop at their work budgets. */
  readonly timeLimitMs?: number;
  /** Clock in ms, injectable for tests (default `performance.now`). */
  readonly now?: () => number;
  /** A loaded HiGHS instance (default: loaded on first use). */
  readonly highs?: Highs;
  /** Skip the LP phases (heuristics and simple bounds only). */
  readonly heuristicsOnly?: boolean;
  /**
   * Only the lower bound is wanted (the bound of a relaxation): first fit decreasing stands in for the
   * plan, and the phases that only improve plans (greedy, local search, LP-guided plans, dive, MIP) are
   * skipped.
   */
  readonly boundOnly?: boolean;
  /**
   * The caller proves its own bound (pack.ts: the relaxation's) and uses this solve for the plan only:
   * the root LP, which otherwise runs for the bound even once the deadline has passed, then runs only
   * within the budget (its duals guide the LP-guided plans, which need budget left anyway).
   */
  readonly planOnly?: boolean;
  /** Stop when (cost - bound) <= relativeGap x cost (default 1e-4). */
  readonly relativeGap?: number;
  /** Branch-and-bound nodes per pricing knapsack (default 2000; a proof search may use 25x). */
  readonly knapsackNodeLimit?: number;
  /** Column generation iterations at the root (default 150). */
  readonly maxIterations?: number;
  /** Column generation iterations spent diving, over all dive steps (default 200). */
  readonly diveIterations?: number;
  /** Branch-and-bound nodes of the restricted-master MIP (default 500). */
  readonly mipNodeLimit?: number;
  /** Run the exact pricing every this many iterations even when quick columns exist (default 0). */
  readonly routineExactEvery?: number;
  /**
   * Rounds of the repacking search on plans of at least 60 nodes of several types (default 64; 0 turns
   * it off, and the restricted-master MIP runs instead): each packs afresh the pods of a few nodes the
   * LP's duals price highest and of nodes sharing their classes (`repackCostliest`).
   */
  readonly repackRounds?: number;
  /**
   * The restricted-master MIP over all columns where the repacking search does not run (default true).
   * Off, a plan without the search is the dive's plus what every plan gets: the baseline the search is
   * measured against in tests.
   */
  readonly restrictedMip?: boolean;
  /**
   * Node elimination (node-elimination.ts, ADR 0094) after the fluid-dual greedy and on the final plan
   * (default true; off for benchmarks and tests that measure it against the solver without it).
   */
  readonly nodeElimination?: boolean;
  /** A valid plan to start from (the repacking search passes the nodes it repacks): never worsened. */
  readonly initialPlan?: readonly PackedBin[];
  /** Every root column-generation iteration (benchmarks: how the root LP converges). */
  readonly onRootIteration?: ColumnGenerationOptions['onIteration'];
}

export type PlanOrigin =
  | 'ffd'
  | 'greedy'
  | 'min-slack'
  | 'bin-completion'
  | 'exact-fill'
  | 'lp-dive'
  | 'fluid'
  | 'fluid-greedy'
  | 'svc'
  | 'lp-greedy'
  | 'mip'
  | 'dive'
  | 'repack'
  | 'node-elimination';

export interface SolveStats {
  readonly binTypes: number;
  /** Bin types left after removing dominated ones (no cheaper-or-equal type holds at least as much). */
  readonly binTypesKept: number;
  readonly classes: number;
  readonly ffdCost: number;
  readonly greedyCost: number;
  /** The phase that produced the returned plan (before local search). */
  readonly origin: PlanOrigin;
  readonly lpValue?: number;
  readonly lpOptimal: boolean;
  readonly cgIterations: number;
  readonly columns: number;
  readonly lpError?: string;
}

/** Wall-clock time per phase, ms (for benchmarks; not part of any plan document). */
export interface SolveTimings {
  heuristicsMs: number;
  fluidMs: number;
  rootLpMs: number;
  diveMs: number;
  mipMs: number;
  repackMs: number;
  eliminationMs: number;
  totalMs: number;
}

export interface VectorPackingResult {
  readonly bins: PackedBin[];
  readonly cost: number;
  readonly timings: SolveTimings;
  /** Proven lower bound on the optimal cost (max of the simple bounds and the Farley LP bound). */
  readonly lowerBound: number;
  readonly stats: SolveStats;
}

interface Reduced {
  readonly problem: VectorProblem;
  /** Original index of each kept bin type. */
  readonly original: Int32Array;
}

/**
 * Drops bin types dominated by another one: cost <= and capacity >= in every dimension and accepting
 * every class the dominated type accepts (ties keep the lower index). Any plan using a dominated type
 * stays feasible and no dearer with the dominating one, so the optimum and every bound are unchanged.
 */
export function removeDominatedBinTypes(p: VectorProblem): Reduced {
  const m = classCount(p);
  const d = p.dims;
  const types = binTypeCount(p);
  // Which classes each type accepts, as a bitset: "accepts every class the other accepts" is then a
  // few word operations, where comparing rows class by class cost seconds on thousands of zone options
  // x hundreds of classes (constrained clusters).
  const words = Math.ceil(m / 32);
  const accepts = new Uint32Array(types * words);
  for (let b = 0; b < types; b++)
    for (let i = 0; i < m; i++)
      if (p.compatible[b * m + i] === 1) {
        const w = b * words + (i >>> 5);
        accepts[w] = ((accepts[w] ?? 0) | (1 << (i & 31))) >>> 0;
      }
  const acceptsAll = (k: number, b: number) => {
    for (let w = 0; w < words; w++) {
      const x = accepts[b * words + w] ?? 0;
      if (((accepts[k * words + w] ?? 0) & x) >>> 0 !== x) return false;
    }
    return true;
  };
  const order = Array.from({ length: types }, (_, b) => b).sort(
    (x, y) => (p.costs[x] ?? 0) - (p.costs[y] ?? 0) || x - y,
  );
  const kept: number[] = [];
  for (const b of order) {
    // Latest kept first: a type's dominator is mostly one just below it in price (the same instance
    // type in a cheaper zone or capacity type), so the search usually ends after a few candidates
    // where scanning from the cheapest visited most of the kept types for each of thousands of options.
    let dominated = false;
    for (let n = kept.length - 1; n >= 0 && !dominated; n--) {
      const k = kept[n] ?? 0;
      let holds = true;
      for (let t = 0; t < d && holds; t++)
        if ((p.capacities[k * d + t] ?? 0) < (p.capacities[b * d + t] ?? 0)) holds = false;
      dominated = holds && acceptsAll(k, b);
    }
    if (!dominated) kept.push(b);
  }
  kept.sort((x, y) => x - y);
  const original = Int32Array.from(kept);
  const capacities = new Float64Array(kept.length * d);
  const compatible = new Uint8Array(kept.length * m);
  for (const [n, b] of kept.entries()) {
    capacities.set(p.capacities.subarray(b * d, b * d + d), n * d);
    compatible.set(p.compatible.subarray(b * m, b * m + m), n * m);
  }
  return {
    problem: {
      dims: d,
      sizes: p.sizes,
      demand: p.demand,
      capacities,
      costs: Float64Array.from(kept, (b) => p.costs[b] ?? 0),
      compatible,
      minBins: p.minBins,
      ...(p.maxPerBin ? { maxPerBin: p.maxPerBin } : {}),
    },
    original,
  };
}

/** Seed columns: the plan's patterns, each class alone on its cheapest type, an empty bin for minBins. */
export function seedColumns(p: VectorProblem, plan: readonly PackedBin[]): Column[] {
  const columns: Column[] = plan.map(sortedColumn);
  const m = classCount(p);
  const d = p.dims;
  for (let i = 0; i < m; i++) {
    let best = -1;
    for (let b = 0; b < binTypeCount(p); b++)
      if (fitsEmpty(p, b, i) && (best < 0 || (p.costs[b] ?? 0) < (p.costs[best] ?? 0))) best = b;
    if (best < 0) continue;
    let copies = p.demand[i] ?? 0;
    for (let k = 0; k < d; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) copies = Math.min(copies, Math.floor((p.capacities[best * d + k] ?? 0) / w));
    }
    if (copies > 0) columns.push({ bin: best, classes: [i], counts: [copies] });
  }
  if (p.minBins > 0) columns.push({ bin: cheapestBinType(p), classes: [], counts: [] });
  return columns;
}

function sortedColumn(bin: PackedBin): Column {
  const pairs = bin.classes.map((c, j) => [c, bin.counts[j] ?? 0] as const).sort((x, y) => x[0] - y[0]);
  return { bin: bin.type, classes: pairs.map((x) => x[0]), counts: pairs.map((x) => x[1]) };
}

/** Removes empty bins beyond `minBins`, gives each bin its cheapest fitting type, pads to `minBins`. */
function tidy(p: VectorProblem, bins: PackedBin[]): PackedBin[] {
  let empties = bins.filter((b) => b.classes.length === 0).length;
  const kept = bins.filter((b) => {
    if (b.classes.length > 0) return true;
    if (bins.length - empties < p.minBins) {
      empties--;
      return true;
    }
    return false;
  });
  downsizeBins(p, kept);
  padToMinBins(p, kept);
  return kept;
}

/** Largest classes first (sum of sizes over the largest capacity per dimension). */
export function sizeOrder(p: VectorProblem): number[] {
  const d = p.dims;
  const maxCapacity = new Float64Array(d);
  for (let b = 0; b < binTypeCount(p); b++)
    for (let k = 0; k < d; k++) maxCapacity[k] = Math.max(maxCapacity[k] ?? 0, p.capacities[b * d + k] ?? 0);
  const size = (i: number) => {
    let s = 0;
    for (let k = 0; k < d; k++)
      if ((maxCapacity[k] ?? 0) > 0) s += (p.sizes[i * d + k] ?? 0) / (maxCapacity[k] ?? 1);
    return s;
  };
  return Array.from({ length: classCount(p) }, (_, i) => i).sort((x, y) => size(y) - size(x) || x - y);
}

/** Share of the budget left after the constructive heuristics that the 1-D dive (lp-dive.ts) may use. */
const LP_DIVE_SHARE = 0.9;

/** Share of the budget left that the 1-D exact-fill search (exact-fill.ts) may use on perfect packings. */
const EXACT_FILL_SHARE = 0.5;

/** Share of the budget left after the fluid-dual greedy that node elimination may use (ADR 0094). */
const ELIMINATION_SHARE = 0.6;

/**
 * Classes from which a plan of fewer than `REPACK_MIN_BINS` nodes still gets node elimination before the
 * LP phases, where classes also outnumber its nodes: the Bitbrains trace at 1,000 pods, seed 10 (362
 * classes on 51 nodes; the dive's plan was 3.7-4.1 % above z_LP, the elimination's 0.7 %). Small
 * problems stay the MIP's (an earlier plan there changes the root LP's path and the bound it reports).
 */
const MANY_CLASSES = 100;

/** Mean pods per class up to which node elimination runs before the LP phases too. */
const FEW_COPIES = 20;

/** Share of the budget left that the repacking search may use when node elimination follows it. */
const REPACK_SHARE = 0.6;

/** Waste share (bin-completion.ts) below which bin completion runs before the LP phases. */
const TIGHT_WASTE = 0.005;

/**
 * Share of the budget left after the fluid relaxation that sequential value correction may use where it
 * runs (more classes than nodes): most of it, since the LP phases after it rarely improve such plans
 * within the budget (the root LP of the Bitbrains trace needs ~20 s of CPU to converge).
 */
const SVC_SHARE = 0.5;

/** Node types the fluid relaxation buys pods on. */
function fluidSupport(assignment: ReadonlyMap<number, ReadonlyMap<number, number>>): number[] {
  const support: number[] = [];
  for (const [o, row] of assignment)
    for (const y of row.values())
      if (y > 1e-9) {
        support.push(o);
        break;
      }
  return support.sort((a, b) => a - b);
}

/** Classes x options above which the dive completes with FFD only (unconstrained clusters stay far below). */
const LARGE_GREEDY = 100_000;

/**
 * Diving: solve the LP, fix every column used at least once (rounded down) or else the one with the
 * largest value, shrink the demand, re-solve; abandon as soon as the fixed cost plus the residual bound
 * cannot beat the incumbent.
 */
function dive(
  master: MasterProblem,
  p: VectorProblem,
  cg: ColumnGenerationOptions,
  iterationBudget: number,
  incumbentCost: number,
  roundBound: (lb: number) => number,
): PackedBin[] | undefined {
  let budget = iterationBudget;
  const residual = Int32Array.from(p.demand);
  let minLeft = p.minBins;
  const fixed: PackedBin[] = [];
  let fixedCost = 0;
  const left = () => residual.some((r) => r > 0) || minLeft > 0;
  const total = residual.reduce((sum, r) => sum + r, 0);
  /** The fixed nodes plus the better constructive plan for what is left. */
  const completed = (): PackedBin[] => {
    if (!residual.some((r) => r > 0)) return tidy(p, fixed.map(cloneBin));
    const ffd = firstFitDecreasing(p, residual);
    // The greedy scans every class for every option: on hundreds of each (constrained clusters split by
    // zone and group) one completion costs more than the dive's whole budget, so FFD alone completes.
    if (classCount(p) * binTypeCount(p) > LARGE_GREEDY) return tidy(p, [...fixed.map(cloneBin), ...ffd]);
    const greedy = costAwareGreedy(p, resourceValues(p), residual);
    return tidy(p, [
      ...fixed.map(cloneBin),
      ...(solutionCost(p, greedy) < solutionCost(p, ffd) ? greedy : ffd),
    ]);
  };
  // Rounding the last fractional columns can cost more than packing the last few pods afresh, so the
  // dive also keeps the best completion seen once most pods are fixed.
  let bestCompletion: PackedBin[] | undefined;
  const tryCompletion = () => {
    const candidate = completed();
    if (!bestCompletion || solutionCost(p, candidate) < solutionCost(p, bestCompletion))
      bestCompletion = candidate;
  };
  try {
    while (left() && budget > 0 && cg.now() <= cg.deadline) {
      master.setDemand(residual, minLeft);
      const result = columnGeneration(master, p, residual, minLeft, {
        ...cg,
        stopAtBound: undefined,
        maxIterations: Math.min(budget, 15),
        allowProof: false,
        finalBound: false,
      });
      budget -= result.iterations;
      if (fixedCost + roundBound(result.lowerBound) >= incumbentCost - 1e-9) return bestCompletion;
      if (residual.reduce((sum, r) => sum + r, 0) <= 0.3 * total) tryCompletion();
      const x = result.lp.primal;
      const picks: [number, number][] = [];
      let argmax = -1;
      for (let c = 0; c < x.length; c++) {
        const v = x[c] ?? 0;
        if (v >= 1 - 1e-6) picks.push([c, Math.floor(v + 1e-6)]);
        if (v > 1e-9 && (argmax < 0 || v > (x[argmax] ?? 0))) argmax = c;
      }
      if (picks.length === 0 && argmax >= 0) picks.push([argmax, 1]);
      let progressed = false;
      for (const [c, copies] of picks) {
        const column = master.columns[c] as Column;
        for (let r = 0; r < copies; r++) {
          const bin: PackedBin = { type: column.bin, classes: [], counts: [] };
          for (let j = 0; j < column.classes.length; j++) {
            const i = column.classes[j] ?? 0;
            const take = Math.min(column.counts[j] ?? 0, residual[i] ?? 0);
            if (take > 0) {
              bin.classes.push(i);
              bin.counts.push(take);
              residual[i] = (residual[i] ?? 0) - take;
            }
          }
          if (bin.classes.length === 0 && minLeft <= 0) continue;
          fixed.push(bin);
          fixedCost += p.costs[bin.type] ?? 0;
          minLeft--;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    // Done, or out of budget: finish the residual with the better constructive heuristic.
    tryCompletion();
    return bestCompletion;
  } finally {
    master.setDemand(p.demand, p.minBins);
  }
}

/** Packs the problem. Every class must fit at least one compatible bin type (callers report the rest). */
export async function solveVectorPacking(
  input: VectorProblem,
  options: SolveOptions = {},
): Promise<VectorPackingResult> {
  const now = options.now ?? (() => performance.now());
  // Loading (and compiling) HiGHS is a one-off cost per process, outside the solving budget.
  const highs = options.heuristicsOnly ? undefined : (options.highs ?? (await loadHighs()));
  const start = now();
  const deadline = start + (options.timeLimitMs ?? 1500);
  const relativeGap = options.relativeGap ?? 1e-4;
  const { problem: p, original } = removeDominatedBinTypes(input);
  const integerCosts = Array.from(p.costs).every((c) => Number.isInteger(c));
  const roundBound = (lb: number) => (integerCosts ? Math.ceil(lb - 1e-6) : lb);

  const timings: SolveTimings = {
    heuristicsMs: 0,
    fluidMs: 0,
    rootLpMs: 0,
    diveMs: 0,
    mipMs: 0,
    repackMs: 0,
    eliminationMs: 0,
    totalMs: 0,
  };
  let lowerBound = roundBound(simpleLowerBound(p));
  const ffd = tidy(p, firstFitDecreasing(p));
  const boundOnly = options.boundOnly ?? false;
  // Later phases only improve a plan, so they stop at the deadline (each leaving a valid plan). The
  // first plan is what the caller gets whatever happens next, and a greedy stopped early completes with
  // first fit decreasing, much dearer on constrained clusters (15,000 pods: $223/h instead of $203/h
  // when stopped at the deadline under load): its greedy and local search may run to twice the budget,
  // a safety net for problems far larger than the budget was meant for.
  const limit = { now, deadline };
  const firstPlan = { now, deadline: deadline + (deadline - start) };
  // Thousands of classes x hundreds of types whose bound the fluid LP proves anyway (10,000 trace pods,
  // 2,119 x 188): the greedy on resource values cost 0.4 s of CPU and its local search 0.15 s, for a
  // plan the greedy on the fluid's duals beats (235.9 against 233.5 $/h), and with the fluid LP they
  // took the whole budget. There the fluid goes first and its greedy makes the first plan; the greedy
  // on resource values runs only if the fluid gives no duals (ADR 0096). Plan-only solves keep the old
  // order: their fluid LP is capped and may give nothing.
  const fluidFirst =
    highs !== undefined &&
    !boundOnly &&
    !options.planOnly &&
    binTypeCount(p) > 1 &&
    classCount(p) * binTypeCount(p) > LARGE_GREEDY;
  const resourceGreedy = () => tidy(p, costAwareGreedy(p, resourceValues(p), undefined, firstPlan));
  let greedy = boundOnly || fluidFirst ? ffd : resourceGreedy();
  let best = boundOnly || fluidFirst ? ffd : eliminateBins(p, cheaper(p, ffd, greedy), undefined, firstPlan);
  let origin: PlanOrigin = solutionCost(p, greedy) < solutionCost(p, ffd) ? 'greedy' : 'ffd';
  const initial = options.initialPlan ? remapBins(options.initialPlan, original) : undefined;
  if (initial && !checkSolution(p, initial) && solutionCost(p, initial) < solutionCost(p, best) - 1e-9) {
    best = initial;
    origin = 'repack';
  }
  const done = () => solutionCost(p, best) - lowerBound <= relativeGap * solutionCost(p, best) + 1e-9;
  const consider = (
    candidate: PackedBin[] | undefined,
    from: PlanOrigin,
    within = limit,
    localSearch = true,
  ) => {
    // A rounding that breaks a per-bin cap (the LPs see caps only through their columns) is not a plan.
    if (!candidate || (p.maxPerBin && checkSolution(p, candidate))) return;
    const improved = localSearch ? eliminateBins(p, candidate, undefined, within) : candidate;
    if (solutionCost(p, improved) < solutionCost(p, best) - 1e-9) {
      best = improved;
      origin = from;
    }
  };

  // Identical bins: minimum bin slack (MBS') builds whole bins at once, which the item-oriented
  // heuristics and LP roundings miss on triplet-like inputs. Then bin completion searches for a plan of
  // exactly the bound's bin count; before the LP phases only where that plan must fill the bins
  // (almost) exactly in some dimension, where its waste budget prunes the search to a few completions.
  const minSlack = (share: number, exactShare: number, seed: number, anyWaste: boolean) => {
    if (boundOnly || done() || !minSlackApplies(p) || now() >= deadline) return;
    const binCost = p.costs[0] ?? 1;
    const target = Math.ceil(lowerBound / binCost - 1e-6);
    const bins = minimumBinSlack(p, { now, deadline: now() + (deadline - now()) * share, target, seed });
    if (bins) consider(tidy(p, bins), 'min-slack');
    // Before the LP phases, only where the bins must be (almost) exactly full; on 1-D problems only
    // where they must be exactly full: the column-generation dive (below) uses that budget better on
    // the others (Hard28).
    const waste = tightestWasteShare(p, target);
    if (
      done() ||
      now() >= deadline ||
      (!anyWaste && (waste > TIGHT_WASTE || (waste > 0 && lpDiveApplies(p))))
    )
      return;
    // One dimension, integer sizes, items filling the target's bins exactly (the AI-like perfect
    // packings): the exact-fill search with its subset-sum table (exact-fill.ts, ADR 0093). It gets a
    // larger share: the column-generation dive after it rarely closes the last bin of such an instance.
    if (exactFillApplies(p, target)) {
      const filled = exactFill(p, target, {
        now,
        deadline: now() + (deadline - now()) * EXACT_FILL_SHARE,
        seed,
      });
      if (filled) consider(tidy(p, filled), 'exact-fill');
      if (done() || now() >= deadline) return;
    }
    const exact = binCompletion(p, target, {
      now,
      deadline: now() + (deadline - now()) * exactShare,
      seed,
    });
    if (exact) consider(tidy(p, exact), 'bin-completion');
  };
  minSlack(0.05, 0.15, 1, false);
  timings.heuristicsMs = now() - start;
  // One dimension, identical bins, integer sizes (the 1-D benchmark classes; never a cluster, which has
  // at least CPU, memory and pod slots): the root LP with exact pricing gives the bound, and a
  // column-generation dive with limited discrepancy looks for a plan of that many bins (lp-dive.ts).
  if (highs && !done() && !boundOnly && lpDiveApplies(p) && now() < deadline) {
    const phase = now();
    const binCost = p.costs[0] ?? 1;
    const dived = lpDive(p, {
      highs,
      now,
      deadline: now() + (deadline - now()) * LP_DIVE_SHARE,
      minimumBins: Math.ceil(lowerBound / binCost - 1e-6),
      seedColumns: best.map(sortedColumn),
    });
    lowerBound = Math.max(lowerBound, roundBound(dived.lowerBoundBins * binCost * (1 - 1e-9)));
    if (dived.bins) consider(tidy(p, dived.bins), 'lp-dive');
    timings.diveMs += now() - phase;
  }
  // Where the fluid went first but gave no plan (or the LP phases failed before it did): the greedy on
  // resource values after all, once.
  let fluidPlanned = false;
  let fluidBound = false;
  const fallbackGreedy = () => {
    if (!fluidFirst || fluidPlanned) return;
    fluidPlanned = true;
    greedy = resourceGreedy();
    consider(greedy, 'greedy', firstPlan);
  };
  let lpValue: number | undefined;
  let lpOptimal = false;
  let cgIterations = 0;
  let columns = 0;
  let lpError: string | undefined;
  if (highs && !done() && classCount(p) > 0) {
    const master = new MasterProblem(highs, p);
    const knapsackLp = new KnapsackLpBound(highs, p);
    try {
      // Several node types: the compact fluid relaxation first, for a bound, duals and a plan.
      let initialCenter: ColumnGenerationOptions['initialCenter'];
      let fluidDuals: Float64Array | undefined;
      const eliminate = (share: number) => {
        if (!fluidDuals || options.nodeElimination === false || done() || boundOnly || now() >= deadline)
          return;
        const phase = now();
        const eliminated = eliminateNodes(p, best, fluidDuals, {
          now,
          deadline: now() + (deadline - now()) * share,
        });
        if (eliminated) consider(tidy(p, eliminated), 'node-elimination');
        timings.eliminationMs += now() - phase;
      };
      // For a plan only, the fluid LP is worth starting while at least as much budget is left as the
      // first plan took: its LP grows with classes x options like the heuristics, and one HiGHS call
      // cannot be stopped at once (614 classes: about 0.6 s of CPU spent past a 0.1 s time limit).
      const fluidWorthIt = !options.planOnly || deadline - now() >= now() - start;
      if (binTypeCount(p) > 1 && now() < deadline && fluidWorthIt) {
        const fluid = solveFluidRelaxation(highs, p, knapsackLp, {
          now,
          deadline: now() + (deadline - now()) * 0.3,
          // Only a plan-only solve caps the LP: HiGHS' limit is wall time, and under load a capped LP
          // was dropped and the relaxation's bound fell to the simple bound ($93.6/h instead of $187.5/h).
          ...(options.planOnly ? { lpDeadline: deadline } : {}),
        });
        if (fluid) {
          const bound = fluid.lowerBound;
          lowerBound = Math.max(lowerBound, roundBound(bound));
          initialCenter = { pi: fluid.duals, mu: fluid.mu, bound };
          const rounding = () => {
            if (!done() && !boundOnly && (!fluidFirst || now() < deadline))
              consider(tidy(p, roundFluidSolution(p, fluid, limit)), 'fluid');
          };
          if (!fluidFirst) rounding();
          // The fluid duals as values: near the LP optimum's prices wherever the fluid bound is near
          // z_LP, which the root's duals are not until it converges. On the Bitbrains trace (369
          // classes, a few pods each) the rounding above is 30 % dear and the root needs ~20 s of CPU,
          // while this greedy costs tens of ms and starts the LP phases from a plan 2-3 % cheaper
          // (ADR 0091). Where it makes the first plan, it gets the first plan's grace.
          //
          // Where the fluid LP started sparse, the duals of its first solve (each class on its cheapest
          // option) value classes by what their best option charges for their resource mix, and their
          // greedy packed the trace cheaper than the optimal duals' (10,000 pods $230.98/h against
          // $233.47/h, 1,000 pods $22.11/h against $22.31/h; ADR 0096): that greedy first, the other
          // one while the budget lasts.
          const resource = resourceValues(p);
          const greedyOn = (duals: Float64Array, within: HeuristicDeadline) => {
            const values = Float64Array.from(duals, (v, i) => v + 1e-6 * (resource[i] ?? 0));
            consider(tidy(p, costAwareGreedy(p, values, undefined, within)), 'fluid-greedy', within);
          };
          const within = fluidFirst ? firstPlan : limit;
          // Where the fluid went first and classes outnumber the nodes of even first fit decreasing's
          // plan (10,000 trace pods: 2,119 classes, ~620 nodes), sequential value correction below
          // makes the first plan instead: its first pass from the start duals packed the trace
          // cheaper than either greedy ($225.8/h against $231.0/h) and each pass costs a fifth of one
          // greedy, so the greedies and the rounding would only take its budget (ADR 0098).
          const svcFirst =
            fluidFirst &&
            fluid.startDuals !== undefined &&
            !boundOnly &&
            !options.initialPlan &&
            classCount(p) >= ffd.length;
          if (fluid.startDuals && !done() && !boundOnly && !svcFirst) greedyOn(fluid.startDuals, within);
          if (!done() && !boundOnly && !svcFirst && (!fluid.startDuals || now() < deadline))
            greedyOn(fluid.duals, fluid.startDuals ? limit : within);
          // The rounding's leftovers go through a greedy whose set-up alone (orders over every type)
          // costs a tenth of a second there: after the greedy, and only within the budget.
          if (fluidFirst && !svcFirst) rounding();
          // Node elimination prices pods by the same duals as the plan it starts from: where SVC went
          // first from the start duals, those (10,000 trace pods at 1.5-2.5 s: $223.1-223.9/h against
          // $223.9/h, where the optimal duals' search stalled).
          if (!done() && !boundOnly)
            fluidDuals = svcFirst && fluid.startDuals ? fluid.startDuals : fluid.duals;
          // Sequential value correction from the fluid duals (value-correction.ts, ADR 0095): a knapsack
          // per node pairs CPU-heavy with memory-heavy pods, which the greedy's fixed fill orders miss.
          // Only where classes outnumber the plan's nodes: an LP's basic solution has up to one
          // fractional column per class, so there its roundings (lp-greedy, dive, repack) lose up to a
          // node per class (Bitbrains trace, 1,000 pods: 369 classes on ~65 nodes, the LP phases gave
          // 5-6 % above z_LP and SVC 1-2 %), while with many pods per class (synthetic clusters: 26
          // classes on 119 nodes) they beat SVC and keep the budget. Not in the repacking search's
          // sub-solves (a dozen nodes, which its MIP settles).
          // Its start values: the start duals where the fluid LP started sparse (as for the greedy above).
          if (
            !done() &&
            (svcFirst ||
              (!boundOnly && !options.initialPlan && classCount(p) >= best.length && now() < deadline))
          ) {
            const svc = sequentialValueCorrection(p, fluid.startDuals ?? fluid.duals, {
              now,
              deadline: now() + (deadline - now()) * SVC_SHARE,
              // Where it makes the first plan, its first pass gets the first plan's grace.
              firstPassDeadline: svcFirst ? firstPlan.deadline : deadline,
              // Knapsacks refilled lazily: passes 3x cheaper on 10,000 trace pods; on 1,000 the best
              // pass is dearer ($21.25/h against $21.14/h after 32) but node elimination, with the
              // budget saved, ends lower ($20.967/h against $21.018/h, ADR 0098).
              lazy: true,
              types: fluidSupport(fluid.assignment),
              target: lowerBound,
            });
            // Where SVC went first, node elimination follows with all of the budget left and its
            // insertions cover `eliminateBins`' (0.05 s on 10,000 trace pods; 1.5 s: $223.14-223.47/h
            // without it, $223.05-223.71/h with it, 5 runs each).
            const eliminationNext =
              svcFirst &&
              options.nodeElimination !== false &&
              (svc?.bins.length ?? 0) >= REPACK_MIN_BINS &&
              p.demand.reduce((sum, c) => sum + c, 0) <= FEW_COPIES * classCount(p);
            if (svc) consider(tidy(p, svc.bins), 'svc', svcFirst ? firstPlan : limit, !eliminationNext);
          }
          // Defensive: SVC gives a plan whenever there is a class to place, but the first plan must not
          // depend on it.
          if (svcFirst && !done() && best === ffd && fluid.startDuals) greedyOn(fluid.startDuals, within);
          // Few pods per class (the Bitbrains trace: 2.7): node elimination on the best plan so far
          // (SVC's where it ran: 1,000 trace pods $21.09/h -> $20.99/h), priced by the same duals,
          // before the LP phases (ADR 0094). Their roundings are weak there
          // (fractions of a column are fractions of a pod), while with many copies per class
          // (synthetic clusters: 160) they do better with the budget than the elimination does.
          // Small plans (under 60 nodes) are the MIP's, and an earlier plan there changes the root
          // LP's path (its columns) and with it the bound reported: only the final pass runs.
          if (
            (best.length >= REPACK_MIN_BINS ||
              (classCount(p) >= best.length && classCount(p) >= MANY_CLASSES)) &&
            p.demand.reduce((sum, c) => sum + c, 0) <= FEW_COPIES * classCount(p)
          )
            // Where SVC went first (thousands of classes), all of the budget left: the LP phases
            // after it need seconds there (the root LP ~20 s of CPU to converge) and gave nothing in
            // the few hundred ms they would get (10,000 trace pods at 2 s: $222.8-222.9/h against
            // $223.1-223.6/h with 60 %).
            eliminate(svcFirst ? 1 : ELIMINATION_SHARE);
          fluidPlanned = true;
          fluidBound = true;
        }
      }
      fallbackGreedy();
      timings.fluidMs = now() - start - timings.heuristicsMs - timings.diveMs;
      master.addColumns(seedColumns(p, best));
      const cg: ColumnGenerationOptions = {
        maxIterations: options.maxIterations ?? 150,
        nodeLimit: options.knapsackNodeLimit ?? 2000,
        columnsPerIteration: binTypeCount(p) <= 3 ? 100 : 50,
        relativeGap: relativeGap / 4,
        integerCosts,
        deadline: now() + (deadline - now()) * 0.45,
        now,
        extendOrder: sizeOrder(p),
        routineExactEvery: options.routineExactEvery ?? 0,
        knapsackLp,
      };
      let phase = now();
      // Past the deadline, the root runs for the bound only, and where the fluid went first its bound
      // is the Farley bound at the duals the root would start from: 0.1-0.2 s of CPU for nothing.
      const root =
        done() || ((options.planOnly || (fluidFirst && fluidBound)) && now() >= deadline)
          ? undefined
          : columnGeneration(master, p, p.demand, p.minBins, {
              ...cg,
              stopAtBound: solutionCost(p, best),
              refillOnStall: true,
              ...(initialCenter ? { initialCenter } : {}),
              ...(options.onRootIteration ? { onIteration: options.onRootIteration } : {}),
            });
      if (root) {
        cgIterations += root.iterations;
        lpValue = root.lp.objective;
        lpOptimal = root.lpOptimal;
        lowerBound = Math.max(lowerBound, roundBound(root.lowerBound));
      }
      timings.rootLpMs = now() - phase;
      if (root && !done() && !boundOnly && now() < deadline) {
        // Duals as values; a trace of the resource values breaks ties between zero-dual classes.
        const resource = resourceValues(p);
        const values = Float64Array.from(root.lp.duals, (v, i) => v + 1e-6 * (resource[i] ?? 0));
        consider(tidy(p, costAwareGreedy(p, values, undefined, limit)), 'lp-greedy');
      }
      phase = now();
      if (!done() && now() < deadline && !boundOnly) {
        const diveDeadline = now() + (deadline - now()) * 0.55;
        consider(
          dive(
            master,
            p,
            { ...cg, deadline: diveDeadline },
            options.diveIterations ?? 200,
            solutionCost(p, best),
            roundBound,
          ),
          'dive',
        );
      }
      timings.diveMs += now() - phase;
      phase = now();
      // Large plans: the dive's roundings leave nodes that pay well above the LP's rate for their pods;
      // repacking a few of them at a time with the whole solver (small enough for its MIP) recovers it.
      // Not on identical bins: there the budget left goes to MBS' and bin completion below, which
      // search whole plans of the bound's bin count (and would lose that budget to this search).
      const rounds = options.repackRounds ?? 64;
      const repack =
        root !== undefined && rounds > 0 && binTypeCount(p) > 1 && best.length >= REPACK_MIN_BINS;
      // The restricted-master MIP helps small and medium plans; on hundreds of nodes it rarely beats
      // the dive within any sensible budget, and where the repacking search runs, that search (whose
      // sub-solves run this MIP on a dozen nodes) gets the budget: on 1,000 pods the MIP over all
      // columns took 0.3-1.3 s of CPU and returned the dive's plan in three runs of four.
      if (
        !repack &&
        options.restrictedMip !== false &&
        !done() &&
        now() < deadline &&
        best.length <= 300 &&
        !boundOnly
      ) {
        master.addColumns(best.map(sortedColumn));
        const startX = new Float64Array(master.columns.length);
        for (const bin of best) {
          const c = master.indexOf(sortedColumn(bin));
          if (c >= 0) startX[c] = (startX[c] ?? 0) + 1;
        }
        const x = solveRestrictedMip(highs, p, master.columns, {
          timeLimitSeconds: (deadline - now()) / 1000,
          nodeLimit: options.mipNodeLimit ?? 200,
          start: startX,
        });
        if (x) consider(tidy(p, binsFromColumns(p, master.columns, x, p.demand)), 'mip');
      }
      timings.mipMs = now() - phase;
      phase = now();
      if (root && repack && !done() && !boundOnly && now() < deadline) {
        const repacked = await repackCostliest(p, best, root.lp.duals, {
          highs,
          now,
          deadline:
            fluidDuals && options.nodeElimination !== false
              ? now() + (deadline - now()) * REPACK_SHARE
              : deadline,
          rounds,
          lowerBound,
        });
        if (repacked) consider(repacked, 'repack');
      }
      timings.repackMs = now() - phase;
      // The budget left: node elimination again, on the plan the LP phases and the repacking made.
      eliminate(1);
      columns = master.columns.length;
      // What budget is left goes to perturbed MBS' passes, now aiming at the LP bound.
      minSlack(0.4, 1, 2, true);
    } catch (error) {
      // The LP phases only ever improve a plan that is already valid: keep it and say why.
      lpError = error instanceof Error ? error.message : String(error);
    } finally {
      master.dispose();
      knapsackLp.dispose();
    }
  }

  fallbackGreedy();
  best = tidy(p, best);
  const cost = solutionCost(p, best);
  const problem = checkSolution(p, best);
  if (problem) throw new PackingSolverError(`packer produced an invalid plan: ${problem}`);
  const bins = best.map((bin) => ({ ...bin, type: original[bin.type] ?? bin.type }));
  timings.totalMs = now() - start;
  return {
    bins,
    cost,
    timings,
    lowerBound,
    stats: {
      binTypes: binTypeCount(input),
      binTypesKept: binTypeCount(p),
      classes: classCount(p),
      ffdCost: solutionCost(p, ffd),
      greedyCost: solutionCost(p, greedy),
      origin,
      ...(lpValue !== undefined ? { lpValue } : {}),
      lpOptimal,
      cgIterations,
      columns,
      ...(lpError ? { lpError } : {}),
    },
  };
}

/** Plans of at least this many nodes get the repacking search (smaller ones are the MIP's). */
const REPACK_MIN_BINS = 60;
/** Nodes repacked together: few enough for the restricted-master MIP to settle them quickly. */
const REPACK_NODES = 12;
/** Of those, nodes that pay above the LP's rate at most (the rest hold pods of the same classes). */
const REPACK_LOSSY = 8;

/**
 * Large neighbourhood search guided by the LP: a node's reduced cost under the root LP's duals (its
 * price minus the duals of its pods) is what it pays above the LP's rate, and the plan's reduced costs
 * add up to about its distance from the LP bound, so the loss sits in the nodes with the largest ones.
 * Each round takes some of the nodes with a positive one and nodes of the same classes (`neighbourhood`),
 * packs their pods afresh with the whole solver (small enough for its MIP), and keeps the result when it
 * is cheaper. Returns the improved plan, or undefined when no round improved it. A fixed number
 * of rounds with a fixed seed keeps the result reproducible while the budget holds.
 */
async function repackCostliest(
  p: VectorProblem,
  plan: readonly PackedBin[],
  duals: Float64Array,
  options: { highs: Highs; now: () => number; deadline: number; rounds: number; lowerBound: number },
): Promise<PackedBin[] | undefined> {
  const { now, deadline } = options;
  let bins = plan.map(cloneBin);
  let cost = solutionCost(p, bins);
  let improved = false;
  let seed = 0x9e3779b9;
  const random = () => {
    // xorshift32: deterministic picks without pulling a PRNG into the solver.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let round = 0; round < options.rounds && now() < deadline; round++) {
    if (cost - options.lowerBound <= 1e-4 * cost) break;
    const reduced = bins.map((bin, b) => {
      let value = 0;
      for (let j = 0; j < bin.classes.length; j++)
        value += (bin.counts[j] ?? 0) * (duals[bin.classes[j] ?? 0] ?? 0);
      return { b, rc: (p.costs[bin.type] ?? 0) - value };
    });
    reduced.sort((x, y) => y.rc - x.rc || x.b - y.b);
    const picked = neighbourhood(bins, reduced, cost, random);
    const demand = new Int32Array(p.demand.length);
    let pickedCost = 0;
    for (const b of picked) {
      const bin = bins[b] as PackedBin;
      pickedCost += p.costs[bin.type] ?? 0;
      for (let j = 0; j < bin.classes.length; j++)
        demand[bin.classes[j] ?? 0] = (demand[bin.classes[j] ?? 0] ?? 0) + (bin.counts[j] ?? 0);
    }
    const kept = bins.filter((_, b) => !picked.has(b));
    const left = deadline - now();
    const sub = await solveVectorPacking(
      { ...p, demand, minBins: Math.max(0, p.minBins - kept.length) },
      {
        highs: options.highs,
        now,
        timeLimitMs: Math.min(left, Math.max(left / 4, 80)),
        repackRounds: 0,
        // The sub-solve's MIP settles a dozen nodes; the elimination would take its budget.
        nodeElimination: false,
        initialPlan: [...picked].map((b) => bins[b] as PackedBin),
      },
    );
    if (sub.cost < pickedCost - 1e-9) {
      bins = [...kept, ...sub.bins];
      cost = solutionCost(p, bins);
      improved = true;
    }
  }
  return improved ? bins : undefined;
}

/**
 * One round's nodes: up to `REPACK_LOSSY` of those paying above the LP's rate (positive reduced cost,
 * drawn at random with a bias to the largest), then, up to `REPACK_NODES`, nodes at the LP's rate that
 * hold pods of the same classes. The loss sits in a handful of nodes (1,000 pods: 11 of 120 carry all
 * of it), but those alone rarely repack cheaper (few pods, little choice): the related nodes' pods can
 * trade places with theirs. Random nodes fill up when too few are related.
 */
function neighbourhood(
  bins: readonly PackedBin[],
  reduced: readonly { b: number; rc: number }[],
  cost: number,
  random: () => number,
): Set<number> {
  const picked = new Set<number>();
  const positive = reduced.filter((r) => r.rc > 1e-6 * cost);
  const lossy = Math.min(REPACK_LOSSY, positive.length);
  for (let tries = 0; picked.size < lossy && tries < 20 * REPACK_LOSSY; tries++) {
    const u = random();
    picked.add(positive[Math.floor(u * u * positive.length)]?.b ?? 0);
  }
  const want = Math.min(REPACK_NODES, bins.length);
  const classes = new Set<number>();
  for (const b of picked) for (const i of (bins[b] as PackedBin).classes) classes.add(i);
  const related = reduced.filter(
    (r) => !picked.has(r.b) && (bins[r.b] as PackedBin).classes.some((i) => classes.has(i)),
  );
  for (let tries = 0; picked.size < want && related.length > 0 && tries < 20 * REPACK_NODES; tries++)
    picked.add(related[Math.floor(random() * related.length)]?.b ?? 0);
  for (let tries = 0; picked.size < want && tries < 20 * REPACK_NODES; tries++)
    picked.add(reduced[Math.floor(random() * reduced.length)]?.b ?? 0);
  return picked;
}

/** Bins of the input problem as bins of its reduced problem (types dropped as dominated: undefined). */
function remapBins(bins: readonly PackedBin[], original: Int32Array): PackedBin[] | undefined {
  const kept = new Map<number, number>();
  for (const [t, type] of original.entries()) kept.set(type, t);
  const remapped: PackedBin[] = [];
  for (const bin of bins) {
    const type = kept.get(bin.type);
    if (type === undefined) return undefined;
    remapped.push({ ...cloneBin(bin), type });
  }
  return remapped;
}
