/**
 * Packing benchmarks (docs/packing.md has the figures):
 *
 * 1. Synthetic EKS clusters against a Karpenter-like greedy baseline, full us-east-1 catalog: cost, gap
 *    to the proven bound, time and peak memory (one core).
 * 3. The same kind of cluster with affinity, anti-affinity, topology spread, zones and do-not-disrupt
 *    pods (`--only constraints`, 15,000 pods by default): time, peak memory, gap, constraint counts.
 * 2. The Panigrahy vector packing set (1,620 instances, identical bins, known optima for 1,200): share
 *    at the optimum and mean bins / optimum, beside first fit decreasing and the best heuristic of
 *    Mommessin et al. (2024). Runs in parallel worker processes.
 *
 * 4. Generated classes (`--only classes`, `--seeds S`, `--families hard28,triplet`, `--instance-ms N`):
 *    the Triplet and New classes of Mommessin et al. and 1-D hard sets (generators.ts), and BPPLIB's
 *    Hard28, Waescher and Schwerin 1 and 2 (vendored data with published optima): at-OPT share and
 *    bins / OPT per family.
 * 5. Bound quality (`--only bound`, not in the default run: minutes of CPU): plan / bound and bound /
 *    converged configuration LP on synthetic, Bitbrains-trace and constrained clusters.
 * 6. Root LP convergence (`--only root`, not in the default run): the root column-generation LP's
 *    value iteration by iteration within the budget, against `--zlp`.
 *
 * `npx tsx scripts/bench/packing.ts [--only cluster|constraints|panigrahy|classes|bound|root] [--sample N | --all]
 *  [--workers W] [--pods N] [--constrained-pods N] [--seed S]`, or through `npm run bench` (scripts/bench.ts calls `run()`).
 * Default Panigrahy run: an evenly spaced sample of 180 instances (a few minutes on 2 cores); `--all`
 * runs the whole set.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseGgaCgtInstance, parseOptima } from '@spot/shared/packing/benchmark/bpplib';
import { BPPLIB_SETS, loadBpplibSet } from '@spot/shared/packing/benchmark/bpplib-sets';
import {
  falkenauerT,
  type GeneratedInstance,
  newClassInstance,
  perfectPackingInstance,
  tripletInstance,
} from '@spot/shared/packing/benchmark/generators';
import {
  type PanigrahyInstance,
  type PanigrahySummaryRow,
  panigrahyInstances,
  parseSummary,
} from '@spot/shared/packing/benchmark/panigrahy';
import {
  syntheticCluster,
  syntheticConstrainedCluster,
  typicalNodePool,
} from '@spot/shared/packing/benchmark/synthetic-cluster';
import { parseTrace, traceCluster } from '@spot/shared/packing/benchmark/trace-cluster';
import { convergedLp } from '@spot/shared/packing/converged-lp';
import { loadHighs } from '@spot/shared/packing/highs';
import { karpenterLikePlan } from '@spot/shared/packing/karpenter-baseline';
import { buildClusterModel, pack } from '@spot/shared/packing/pack';
import { parsePackingProblem } from '@spot/shared/packing/problem';
import { solveVectorPacking } from '@spot/shared/packing/solve';

const dataDir = fileURLToPath(new URL('../../shared/data/vector_binpacking/', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** The vendored Panigrahy instances (1,620), sorted by name. */
export const loadPanigrahy = (): PanigrahyInstance[] =>
  panigrahyInstances(gunzipSync(readFileSync(`${dataDir}Panigrahy_instances.tar.gz`)));

/** The vendored summary of known optima and best heuristics. */
export const loadSummary = (): Map<string, PanigrahySummaryRow> =>
  parseSummary(readFileSync(`${dataDir}Panigrahy_summary_known.tsv`, 'utf8'));

interface Flags {
  only?: string;
  sample: number;
  workers: number;
  pods: number[];
  constrainedPods: number;
  seed: number;
  lpBudgetMs: number;
  seeds: number;
  /** `--families a,b`: only the classes-benchmark families whose name contains one of these. */
  families: string;
  /** `--repeat N`: runs per scenario in the plan-quality mode of `--only bound` (`--lp-budget-ms 0`). */
  repeat: number;
  /** `--zlp a,b`: z_LP measured earlier for the clusters of `--pods`, for plan / z_LP. */
  zlp: number[];
  /**
   * `--clusters synthetic,trace,constrained`: which clusters `--only bound` runs (default all; the
   * plan-quality mode runs the first of synthetic and trace listed).
   */
  clusters: string[];
  /** `--budget-ms N`: the packing budget of the plan-quality mode (CPU ms; default pack()'s 1,500). */
  budgetMs?: number;
  /**
   * `--instance-ms N`: the classes benchmark's per-instance budget (CPU ms) instead of the default
   * (14 ms per item, 0.6-8 s, as for Panigrahy); 0 keeps the default.
   */
  instanceMs: number;
  /**
   * `--vary repack|elimination`: what the plan-quality mode turns off and on alternately (default
   * repack: the repacking search; elimination: node elimination, ADR 0094).
   */
  vary: 'repack' | 'elimination';
}

function flags(argv: readonly string[]): Flags {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1];
  };
  return {
    ...(value('--only') ? { only: value('--only') } : {}),
    sample: argv.includes('--all') ? 0 : Number(value('--sample') ?? 180),
    workers: Number(value('--workers') ?? 2),
    pods: (value('--pods') ?? '1000,10000').split(',').map(Number),
    constrainedPods: Number(value('--constrained-pods') ?? 15_000),
    seed: Number(value('--seed') ?? 7),
    lpBudgetMs: Number(value('--lp-budget-ms') ?? 180_000),
    seeds: Number(value('--seeds') ?? 2),
    families: value('--families') ?? '',
    repeat: Number(value('--repeat') ?? 3),
    ...(value('--budget-ms') ? { budgetMs: Number(value('--budget-ms')) } : {}),
    instanceMs: Number(value('--instance-ms') ?? 0),
    vary: value('--vary') === 'elimination' ? 'elimination' : 'repack',
    clusters: (value('--clusters') ?? 'synthetic,trace,constrained').split(','),
    zlp: (value('--zlp') ?? '')
      .split(',')
      .filter((v) => v !== '')
      .map(Number),
  };
}

/** CPU time of this process (all threads), ms: a budget clock that does not count time spent waiting. */
const cpuClockMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function clusterBenchmark(f: Flags): Promise<void> {
  console.log(
    '\n--- Synthetic EKS clusters, us-east-1 catalog prices (spot = on-demand x (1 - advisor savings)) ---',
  );
  console.log(
    '(the solver budget, 1.5 s by default, is measured in CPU time here: the machine may be shared)',
  );
  const highs = await loadHighs();
  // Warm up: the first solve compiles HiGHS' WebAssembly and the solver's hot paths (a long-lived
  // process or a warm Lambda pays this once).
  await pack(parsePackingProblem(syntheticCluster({ pods: 200, seed: f.seed + 1 })), { highs });
  const scenarios = [
    ...f.pods.map((pods) => ({ pods, label: 'full catalog', filter: undefined })),
    {
      pods: 10_000,
      label: 'typical NodePool (c/m/r current generation <= 64 vCPU, no metal; g4dn/g5/g6)',
      filter: typicalNodePool,
    },
  ];
  for (const { pods, label, filter } of scenarios) {
    console.log(`\n[${label}]`);
    const input = syntheticCluster({ pods, seed: f.seed, ...(filter ? { instanceTypes: filter } : {}) });
    const problem = parsePackingProblem(input);
    const rssBefore = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = await pack(problem, { highs, now: cpuClockMs });
    const packMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const rssAfter = process.memoryUsage().rss;
    const t1 = performance.now();
    const baseline = karpenterLikePlan(problem, buildClusterModel(problem));
    const baselineMs = performance.now() - t1;
    const placed = plan.nodes.reduce((s, n) => s + n.pods.length, 0);
    console.log(
      `${pods} pods in ${plan.stats.podClasses} classes, ${problem.instanceTypes.length} types -> ${plan.stats.nodeOptions} node options (${plan.stats.nodeOptionsKept} not dominated)`,
    );
    console.log(
      `  packer:   $${plan.hourlyCostUsd.toFixed(3)}/h on ${plan.nodes.length} nodes (${plan.nodes.filter((n) => n.capacityType === 'spot').length} spot), ${placed} placed, ${plan.unplaced.length} unplaced, from ${plan.stats.origin}`,
    );
    console.log(
      `  bound:    $${plan.lowerBoundHourlyUsd.toFixed(3)}/h, gap ${plan.gapPct.toFixed(2)}% (LP ${plan.stats.lpOptimal ? 'optimal' : 'not proven optimal'}, ${plan.stats.lpIterations} CG iterations)`,
    );
    console.log(
      `  baseline: $${baseline.hourlyCostUsd.toFixed(3)}/h on ${baseline.nodes.length} nodes (Karpenter-like greedy); packer saves ${pct(1 - plan.hourlyCostUsd / baseline.hourlyCostUsd)}; baseline is ${pct(baseline.hourlyCostUsd / plan.lowerBoundHourlyUsd - 1)} above the bound`,
    );
    console.log(
      `  time:     packer ${packMs.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (all threads), baseline ${baselineMs.toFixed(0)} ms; load average ${loadavg()[0]?.toFixed(1)}; rss ${mb(rssBefore)} -> ${mb(rssAfter)}, maxRSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
    );
  }
}

async function constraintsBenchmark(f: Flags): Promise<void> {
  console.log('\n--- Scheduling constraints: affinity, anti-affinity, spread, 3 zones, do-not-disrupt ---');
  const highs = await loadHighs();
  await pack(parsePackingProblem(syntheticConstrainedCluster({ pods: 300, seed: f.seed + 1 })), { highs });
  const pods = f.constrainedPods;
  const input = syntheticConstrainedCluster({ pods, seed: f.seed });
  const count = (test: (p: (typeof input.pods)[number]) => boolean) =>
    input.pods.filter(test).reduce((s, p) => s + (p.count ?? 1), 0);
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const problem = parsePackingProblem(input);
  const plan = await pack(problem, { highs, now: cpuClockMs });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const placed = plan.nodes.reduce((s, n) => s + n.pods.length, 0);
  console.log(
    `${pods} pods (${count((p) => Boolean(p.topologySpreadConstraints?.some((t) => t.topologyKey.endsWith('zone'))))} with zone spread, ${count((p) => Boolean(p.topologySpreadConstraints?.some((t) => t.topologyKey.endsWith('hostname'))))} hostname spread, ${count((p) => Boolean(p.podAntiAffinity))} anti-affinity, ${count((p) => Boolean(p.nodeAffinity?.required))} required and ${count((p) => Boolean(p.nodeAffinity?.preferred))} preferred node affinity, ${count((p) => Boolean(p.doNotDisrupt))} do-not-disrupt) in ${plan.stats.podClasses} classes; ${problem.instanceTypes.length} types x 2 capacity types x ${problem.zones.length} zones -> ${plan.stats.nodeOptions} node options (${plan.stats.nodeOptionsKept} not dominated)`,
  );
  console.log(
    `  packer: $${plan.hourlyCostUsd.toFixed(3)}/h on ${plan.nodes.length} nodes (${plan.nodes.filter((n) => n.existingNode).length} kept, ${plan.nodes.filter((n) => n.capacityType === 'spot').length} spot), ${placed} placed, ${plan.unplaced.length} unplaced, from ${plan.stats.origin}`,
  );
  console.log(
    `  bound:  $${plan.lowerBoundHourlyUsd.toFixed(3)}/h (relaxation without spread), gap ${plan.gapPct.toFixed(2)}%`,
  );
  console.log(
    `  time:   ${wallMs.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (parse + model + solve); load average ${loadavg()[0]?.toFixed(1)}; rss ${mb(rssBefore)} -> ${mb(process.memoryUsage().rss)}, maxRSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
}

interface InstanceResult {
  name: string;
  items: number;
  bins: number;
  ffd: number;
  lowerBound: number;
  ms: number;
  origin: string;
}

/**
 * Per-instance budget, growing with the instance size, in CPU time of the worker process: the machine
 * may be shared, and a CPU clock keeps the results from depending on what else runs.
 */
const instanceTimeLimitMs = (items: number) => Math.min(8000, Math.max(600, items * 14));

async function solveInstances(
  instances: readonly Pick<PanigrahyInstance, 'name' | 'problem' | 'items'>[],
  budgetMs = 0,
): Promise<InstanceResult[]> {
  const highs = await loadHighs();
  const results: InstanceResult[] = [];
  for (const instance of instances) {
    const t = performance.now();
    const r = await solveVectorPacking(instance.problem, {
      highs,
      timeLimitMs: budgetMs > 0 ? budgetMs : instanceTimeLimitMs(instance.items),
      now: cpuClockMs,
    });
    results.push({
      name: instance.name,
      items: instance.items,
      bins: r.cost,
      ffd: r.stats.ffdCost,
      lowerBound: r.lowerBound,
      ms: performance.now() - t,
      origin: r.stats.origin,
    });
  }
  return results;
}

/** Worker process entry: solves every `workers`-th instance of the selection starting at `index`. */
async function panigrahyWorker(index: number, workers: number, sample: number): Promise<void> {
  const all = select(loadPanigrahy(), sample);
  const mine = all.filter((_, n) => n % workers === index);
  const results = await solveInstances(mine);
  process.send?.(results);
}

function select(all: PanigrahyInstance[], sample: number): PanigrahyInstance[] {
  if (sample <= 0 || sample >= all.length) return all;
  return Array.from(
    { length: sample },
    (_, n) => all[Math.floor((n * all.length) / sample)] as PanigrahyInstance,
  );
}

async function panigrahyBenchmark(f: Flags): Promise<void> {
  const summary = loadSummary();
  const total = f.sample > 0 ? Math.min(f.sample, 1620) : 1620;
  console.log(
    `\n--- Panigrahy vector packing: ${total === 1620 ? 'all 1,620 instances' : `sample of ${total} evenly spaced instances (--all for the full set)`}, ${f.workers} worker processes ---`,
  );
  const t0 = performance.now();
  const parts = await Promise.all(
    Array.from(
      { length: f.workers },
      (_, index) =>
        new Promise<InstanceResult[]>((resolve, reject) => {
          const child = fork(
            self,
            ['--panigrahy-worker', String(index), String(f.workers), String(f.sample)],
            {
              execArgv: process.execArgv,
            },
          );
          child.on('message', (message) => resolve(message as InstanceResult[]));
          child.on('error', reject);
          child.on('exit', (code) => code !== 0 && reject(new Error(`worker ${index} exited with ${code}`)));
        }),
    ),
  );
  const wallMs = performance.now() - t0;
  const results = parts.flat();
  const known = results.filter((r) => summary.get(r.name)?.opt !== undefined);
  const opt = (r: InstanceResult) => summary.get(r.name)?.opt ?? 0;
  const best = (r: InstanceResult) => summary.get(r.name)?.bestHeuristic ?? 0;
  const share = (f2: (r: InstanceResult) => boolean) => known.filter(f2).length / Math.max(1, known.length);
  const mean = (f2: (r: InstanceResult) => number) =>
    known.reduce((s, r) => s + f2(r), 0) / Math.max(1, known.length);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const quantile = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  console.log(`${results.length} instances, ${known.length} with a known optimum`);
  console.log('                        at OPT    mean bins/OPT');
  console.log(
    `  packer               ${pct(share((r) => r.bins === opt(r))).padStart(7)}   ${mean((r) => r.bins / opt(r)).toFixed(4)}`,
  );
  console.log(
    `  FFD (sum rule)       ${pct(share((r) => r.ffd === opt(r))).padStart(7)}   ${mean((r) => r.ffd / opt(r)).toFixed(4)}`,
  );
  console.log(
    `  best heuristic [1]   ${pct(share((r) => best(r) === opt(r))).padStart(7)}   ${mean((r) => best(r) / opt(r)).toFixed(4)}`,
  );
  console.log(
    '  [1] best of all heuristics per instance in Mommessin, Erlebach, Shakhlevich (2024), summary TSV',
  );
  const proven = results.filter((r) => r.bins === r.lowerBound).length;
  const beatsBest = results.filter((r) => r.bins < (summary.get(r.name)?.bestHeuristic ?? 0)).length;
  const worseThanBest = results.filter((r) => r.bins > (summary.get(r.name)?.bestHeuristic ?? 0)).length;
  console.log(
    `  all instances: proven optimal by our own bound ${proven}/${results.length}; vs best heuristic: fewer bins on ${beatsBest}, more on ${worseThanBest}`,
  );
  const misses = known.filter((r) => r.bins !== opt(r));
  const byOff = new Map<number, number>();
  for (const r of misses) byOff.set(r.bins - opt(r), (byOff.get(r.bins - opt(r)) ?? 0) + 1);
  console.log(
    `  misses: ${
      [...byOff.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([off, n]) => `${n} at +${off}`)
        .join(', ') || 'none'
    }`,
  );
  for (const r of misses.sort((a, b) => (a.name < b.name ? -1 : 1)))
    console.log(
      `    ${r.name}: ${r.bins} bins, optimum ${opt(r)}, best heuristic ${best(r)}, FFD ${r.ffd}, bound ${r.lowerBound}, ${r.ms.toFixed(0)} ms, from ${r.origin}`,
    );
  console.log(`  load average at the end: ${loadavg()[0]?.toFixed(1)}`);
  console.log(
    `  time per instance: median ${quantile(0.5).toFixed(0)} ms, p90 ${quantile(0.9).toFixed(0)} ms, max ${quantile(1).toFixed(0)} ms; wall ${(wallMs / 1000).toFixed(0)} s`,
  );
}

/** The Bitbrains trace rows (vendored, shared/data/vm_utilization). */
const loadTrace = () =>
  parseTrace(
    gunzipSync(
      readFileSync(
        fileURLToPath(
          new URL(
            '../../shared/data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz',
            import.meta.url,
          ),
        ),
      ),
    ).toString('utf8'),
  );

/**
 * Bound quality: for each cluster, the plan and bound `pack()` reports within its default budget, then
 * the configuration LP of the very problem that bound is computed on (the relaxation without spread
 * for constrained clusters) run to convergence with exact pricing and a long budget (`--lp-budget-ms`,
 * default 180 s of CPU): plan / bound and bound / converged LP.
 */
async function boundBenchmark(f: Flags): Promise<void> {
  if (f.lpBudgetMs === 0) return planQualityBenchmark(f);
  console.log(
    '\n--- Bound quality: reported bound vs the converged configuration LP (full us-east-1 catalog) ---',
  );
  const highs = await loadHighs();
  await pack(parsePackingProblem(syntheticCluster({ pods: 200, seed: f.seed + 1 })), { highs });
  const trace = loadTrace();
  const scenarios = [
    ...(f.clusters.includes('synthetic') ? f.pods : []).map((pods) => ({
      label: `synthetic, ${pods} pods`,
      input: () => syntheticCluster({ pods, seed: f.seed }),
    })),
    ...(f.clusters.includes('trace') ? f.pods : []).map((pods) => ({
      label: `Bitbrains trace, ${pods} pods`,
      input: () => traceCluster(trace, { pods, seed: f.seed }),
    })),
    ...(f.clusters.includes('constrained')
      ? [
          {
            label: `synthetic with constraints, ${f.constrainedPods} pods`,
            input: () => syntheticConstrainedCluster({ pods: f.constrainedPods, seed: f.seed }),
          },
        ]
      : []),
  ];
  for (const scenario of scenarios) {
    const problem = parsePackingProblem(scenario.input());
    let boundProblem: { vector: Parameters<typeof convergedLp>[0]; kept: number } | undefined;
    const cpu0 = process.cpuUsage();
    const plan = await pack(problem, {
      highs,
      now: cpuClockMs,
      onBoundProblem: (vector, kept) => {
        boundProblem = { vector, kept };
      },
    });
    const cpu = process.cpuUsage(cpu0);
    if (!boundProblem) continue;
    const c0 = process.cpuUsage();
    const lp = await convergedLp(boundProblem.vector, { highs, now: cpuClockMs, timeLimitMs: f.lpBudgetMs });
    const lpCpu = process.cpuUsage(c0);
    const lower = lp.lower + boundProblem.kept;
    const upper = lp.upper + boundProblem.kept;
    const bound = plan.lowerBoundHourlyUsd;
    console.log(
      `${scenario.label}: plan $${plan.hourlyCostUsd.toFixed(3)}/h, bound $${bound.toFixed(3)}/h (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU); converged LP in [$${lower.toFixed(3)}, $${upper.toFixed(3)}] (${lp.proven ? 'proven' : `bracket ${pct((upper - lower) / upper)}`}, ${lp.iterations} iterations, ${lp.columns} columns, ${((lpCpu.user + lpCpu.system) / 1e6).toFixed(0)} s CPU)`,
    );
    console.log(
      `  plan / bound ${(plan.hourlyCostUsd / bound).toFixed(4)}; bound / converged LP ${(bound / upper).toFixed(4)} to ${(bound / lower).toFixed(4)}; plan / converged LP ${(plan.hourlyCostUsd / upper).toFixed(4)}`,
    );
  }
}

/**
 * Plan quality without the converged LP (`--only bound --lp-budget-ms 0`, with `--zlp` from an earlier
 * converged run): the synthetic clusters packed with the default budget (CPU time), `--repeat` times,
 * alternating the repacking search off and on so both variants see the same machine load; prints each
 * plan, plan / bound and plan / z_LP.
 */
async function planQualityBenchmark(f: Flags): Promise<void> {
  const kind = f.clusters.find((c) => c === 'synthetic' || c === 'trace') ?? 'synthetic';
  console.log(
    `\n--- Plan quality, ${kind} clusters, ${f.vary === 'repack' ? 'repacking search' : 'node elimination'} off / on, ${f.repeat} runs each, budget ${f.budgetMs ?? 1500} ms of CPU ---`,
  );
  const highs = await loadHighs();
  await pack(parsePackingProblem(syntheticCluster({ pods: 200, seed: f.seed + 1 })), { highs });
  const trace = kind === 'trace' ? loadTrace() : [];
  for (const [n, pods] of f.pods.entries()) {
    const problem = parsePackingProblem(
      kind === 'trace'
        ? traceCluster(trace, { pods, seed: f.seed })
        : syntheticCluster({ pods, seed: f.seed }),
    );
    const zlp = f.zlp[n];
    for (let run = 0; run < f.repeat; run++)
      for (const off of [true, false]) {
        const cpu0 = process.cpuUsage();
        const plan = await pack(problem, {
          highs,
          now: cpuClockMs,
          ...(f.budgetMs ? { timeLimitMs: f.budgetMs } : {}),
          ...(off && f.vary === 'repack' ? { repackRounds: 0 } : {}),
          ...(off && f.vary === 'elimination' ? { nodeElimination: false } : {}),
        });
        const cpu = process.cpuUsage(cpu0);
        console.log(
          `${kind} ${pods} pods, ${f.vary} ${off ? 'off' : 'on '}: plan $${plan.hourlyCostUsd.toFixed(3)}/h (${plan.stats.origin}), bound $${plan.lowerBoundHourlyUsd.toFixed(3)}/h, plan / bound ${(plan.hourlyCostUsd / plan.lowerBoundHourlyUsd).toFixed(4)}${zlp ? `, plan / z_LP ${(plan.hourlyCostUsd / zlp).toFixed(4)}` : ''}, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU, load ${loadavg()[0]?.toFixed(1)}`,
        );
      }
  }
}

/**
 * Root LP convergence (`--only root`, ADR 0083): the synthetic clusters of `--pods` packed `--repeat`
 * times with the default budget (CPU time; `--budget-ms` overrides it), the vector problem solved
 * directly so that every root column-generation iteration is seen: the root LP's value at CPU marks
 * from the start of the root, where it ended, and the plan, against `--zlp`.
 */
async function rootBenchmark(f: Flags): Promise<void> {
  console.log(
    `\n--- Root LP convergence, synthetic clusters, ${f.repeat} runs each, budget ${f.budgetMs ?? 1500} ms of CPU ---`,
  );
  const highs = await loadHighs();
  await pack(parsePackingProblem(syntheticCluster({ pods: 200, seed: f.seed + 1 })), { highs });
  for (const [n, pods] of f.pods.entries()) {
    const zlp = f.zlp[n];
    let vector: Parameters<typeof solveVectorPacking>[0] | undefined;
    await pack(parsePackingProblem(syntheticCluster({ pods, seed: f.seed })), {
      highs,
      onBoundProblem: (v) => {
        vector = v;
      },
    });
    if (!vector) continue;
    const ratio = (z: number) => (zlp ? ` (${(z / zlp).toFixed(4)})` : '');
    for (let run = 0; run < f.repeat; run++) {
      const marks = [100, 200, 300, 400, 500, 700, 1000];
      const reached: string[] = [];
      let start: number | undefined;
      let iterations = 0;
      let last = Number.NaN;
      const result = await solveVectorPacking(vector, {
        highs,
        now: cpuClockMs,
        ...(f.budgetMs ? { timeLimitMs: f.budgetMs } : {}),
        onRootIteration: ({ objective }) => {
          start ??= cpuClockMs();
          iterations++;
          last = objective;
          const at = cpuClockMs() - start;
          while (marks.length > 0 && at >= (marks[0] ?? 0))
            reached.push(`${marks.shift()} ms ${objective.toFixed(3)}`);
        },
      });
      console.log(
        `synthetic ${pods} pods: root LP ${last.toFixed(3)}${ratio(last)} after ${iterations} iterations, ${result.timings.rootLpMs.toFixed(0)} ms [${reached.join(', ')}]; plan ${result.cost.toFixed(3)}${ratio(result.cost)} (${result.stats.origin}), bound ${result.lowerBound.toFixed(3)}; load ${loadavg()[0]?.toFixed(1)}`,
      );
    }
  }
}

/**
 * Published means of the best heuristic per instance (Mommessin et al. 2024, results_data/
 * Triplet_summary_known.csv of Vectorpack/experiments_vector_paper, commit 3efe3d42, "best_overall"),
 * over their 120 instances per class (n = 60-501, d = 3/5/10): no heuristic reaches OPT on any. The
 * Mommessin triplet class is not in that summary.
 */
const publishedBest: Record<string, { atOpt: number; meanRatio: number }> = {
  'Triplet Falkenauer': { atOpt: 0, meanRatio: 1.1451 },
  'Triplet Caprara': { atOpt: 0, meanRatio: 1.1903 },
};

/** The generated classes (generators.ts): `seeds` instances per family, size and dimension. */
function generatedInstances(seeds: number): GeneratedInstance[] {
  const all: GeneratedInstance[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const kind of ['Falkenauer', 'Caprara', 'Mommessin'] as const)
      for (const n of [60, 120, 249]) for (const d of [3, 5, 10]) all.push(tripletInstance(kind, n, d, seed));
    for (const cls of [1, 2, 3, 4, 5, 6] as const)
      for (const n of [40, 120]) for (const d of [3, 5, 10]) all.push(newClassInstance(cls, n, d, seed));
    for (const n of [60, 120, 249, 501]) all.push(falkenauerT(n, seed));
    for (const bins of [20, 50, 100]) all.push(perfectPackingInstance(bins, seed));
  }
  return all;
}

/**
 * BPPLIB's Hard28 (vendored, shared/data/bpplib: the published instances and their published optima,
 * README.txt there). Data, not a generator: the same 28 instances whatever the seeds.
 */
function hard28Instances(): GeneratedInstance[] {
  const dir = fileURLToPath(new URL('../../shared/data/bpplib/', import.meta.url));
  const optima = parseOptima(readFileSync(`${dir}hard28_optima.csv`, 'utf8'));
  return readdirSync(`${dir}hard28`)
    .filter((file) => file.endsWith('.txt'))
    .map((file) => file.replace(/\.txt$/, ''))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .map((name) => {
      const opt = optima.get(name);
      if (opt === undefined) throw new Error(`no published optimum for ${name} in hard28_optima.csv`);
      return parseGgaCgtInstance(
        name,
        readFileSync(`${dir}hard28/${name}.txt`, 'utf8'),
        '1-D BPPLIB Hard28',
        opt,
      );
    });
}

/** BPPLIB's Waescher and Schwerin 1 and 2 (vendored beside Hard28, bpplib-sets.ts): data, like Hard28. */
function bpplibSetInstances(): GeneratedInstance[] {
  const dir = fileURLToPath(new URL('../../shared/data/bpplib/', import.meta.url));
  const files = {
    list: (folder: string) => readdirSync(`${dir}${folder}`),
    read: (path: string) => readFileSync(`${dir}${path}`, 'utf8'),
  };
  return BPPLIB_SETS.flatMap((set) => loadBpplibSet(set, files));
}

/** The classes benchmark's instances, restricted to the families whose name contains one of `families`. */
function classInstances(seeds: number, families: string): GeneratedInstance[] {
  const wanted = families
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '');
  return [...generatedInstances(seeds), ...hard28Instances(), ...bpplibSetInstances()].filter(
    (g) => wanted.length === 0 || wanted.some((w) => g.family.toLowerCase().includes(w)),
  );
}

interface ClassResult extends InstanceResult {
  family: string;
  opt?: number;
}

async function classesWorker(
  index: number,
  workers: number,
  seeds: number,
  families: string,
  budgetMs: number,
): Promise<void> {
  const mine = classInstances(seeds, families).filter((_, n) => n % workers === index);
  const results = await solveInstances(
    mine.map((g) => ({ name: g.name, problem: g.problem, items: g.items })),
    budgetMs,
  );
  process.send?.(
    results.map((r, n): ClassResult => {
      const g = mine[n] as GeneratedInstance;
      return { ...r, family: g.family, ...(g.opt !== undefined ? { opt: g.opt } : {}) };
    }),
  );
}

/**
 * At-OPT share and mean bins / OPT per generated family (OPT known by construction for the triplet,
 * Falkenauer T and perfect-packing families); for the "New" classes, whose optimum is unknown, the
 * share proven optimal by our own bound and mean bins / our bound (an upper bound on bins / OPT).
 */
async function classesBenchmark(f: Flags): Promise<void> {
  console.log(
    `\n--- Generated vector classes (Triplet, New) and 1-D hard sets, ${f.seeds} seed(s) each, ${f.workers} worker processes, ${f.instanceMs > 0 ? `${f.instanceMs} ms` : '14 ms per item (0.6-8 s)'} of CPU per instance, load average ${loadavg()[0]?.toFixed(1)} ---`,
  );
  const t0 = performance.now();
  const parts = await Promise.all(
    Array.from(
      { length: f.workers },
      (_, index) =>
        new Promise<ClassResult[]>((resolve, reject) => {
          const child = fork(
            self,
            [
              '--classes-worker',
              String(index),
              String(f.workers),
              String(f.seeds),
              f.families || ',',
              String(f.instanceMs),
            ],
            { execArgv: process.execArgv },
          );
          child.on('message', (message) => resolve(message as ClassResult[]));
          child.on('error', reject);
          child.on('exit', (code) => code !== 0 && reject(new Error(`worker ${index} exited with ${code}`)));
        }),
    ),
  );
  const results = parts.flat();
  const families = [...new Set(results.map((r) => r.family))];
  console.log(
    'family                           n    at OPT  bins/OPT   FFD at OPT  FFD bins/OPT  published best (at OPT, bins/OPT)',
  );
  for (const family of families) {
    const rows = results.filter((r) => r.family === family);
    const known = rows.every((r) => r.opt !== undefined);
    const ref = (r: ClassResult) => r.opt ?? r.lowerBound;
    const share = (x: (r: ClassResult) => number) => rows.filter((r) => x(r) === ref(r)).length / rows.length;
    const mean = (x: (r: ClassResult) => number) => rows.reduce((s, r) => s + x(r) / ref(r), 0) / rows.length;
    const published = publishedBest[family];
    console.log(
      `${`${family}${known ? '' : ' (vs own bound)'}`.padEnd(32)} ${String(rows.length).padStart(3)}  ${pct(share((r) => r.bins)).padStart(7)}  ${mean((r) => r.bins).toFixed(4)}   ${pct(share((r) => r.ffd)).padStart(7)}     ${mean((r) => r.ffd).toFixed(4)}      ${published ? `${pct(published.atOpt)}, ${published.meanRatio.toFixed(4)}` : '-'}`,
    );
  }
  for (const r of results.filter(
    (r) => r.family.includes('Hard28') && r.opt !== undefined && r.bins !== r.opt,
  ))
    console.log(
      `  ${r.name}: ${r.bins} bins, published optimum ${r.opt}, our bound ${r.lowerBound}, FFD ${r.ffd}, ${r.ms.toFixed(0)} ms, from ${r.origin}`,
    );
  for (const r of results.filter(
    (r) => BPPLIB_SETS.some((set) => set.family === r.family) && r.opt !== undefined && r.bins !== r.opt,
  ))
    console.log(
      `  ${r.name} (${r.family.replace('1-D BPPLIB ', '')}): ${r.bins} bins, published optimum ${r.opt}, our bound ${r.lowerBound}, FFD ${r.ffd}, ${r.ms.toFixed(0)} ms, from ${r.origin}`,
    );
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`  load average at the end: ${loadavg()[0]?.toFixed(1)}`);
  console.log(
    `  time per instance: median ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(0)} ms, max ${(times.at(-1) ?? 0).toFixed(0)} ms; wall ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

export async function run(): Promise<void> {
  const f = flags(process.argv.slice(2));
  if (f.only === 'bound') await boundBenchmark(f);
  if (f.only === 'root') await rootBenchmark(f);
  if (!f.only || f.only === 'cluster') await clusterBenchmark(f);
  if (!f.only || f.only === 'constraints') await constraintsBenchmark(f);
  if (!f.only || f.only === 'panigrahy') await panigrahyBenchmark(f);
  if (!f.only || f.only === 'classes') await classesBenchmark(f);
}

const workerAt = process.argv.indexOf('--panigrahy-worker');
const classesWorkerAt = process.argv.indexOf('--classes-worker');
if (classesWorkerAt >= 0) {
  await classesWorker(
    Number(process.argv[classesWorkerAt + 1]),
    Number(process.argv[classesWorkerAt + 2]),
    Number(process.argv[classesWorkerAt + 3]),
    process.argv[classesWorkerAt + 4] ?? '',
    Number(process.argv[classesWorkerAt + 5] ?? 0),
  );
  process.exit(0);
} else if (workerAt >= 0) {
  await panigrahyWorker(
    Number(process.argv[workerAt + 1]),
    Number(process.argv[workerAt + 2]),
    Number(process.argv[workerAt + 3]),
  );
  process.exit(0);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
