import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { loadHighs } from '@spot/shared/packing/highs';
import { pack } from '@spot/shared/packing/pack';
import { parsePackingProblem } from '@spot/shared/packing/problem';
import { parseTrace, traceCluster } from '@spot/shared/packing/benchmark/trace-cluster';
import { syntheticCluster } from '@spot/shared/packing/benchmark/synthetic-cluster';
import { removeDominatedBinTypes } from '@spot/shared/packing/solve';
import { solveFluidRelaxation } from '@spot/shared/packing/fluid';
import { KnapsackLpBound } from '@spot/shared/packing/knapsack-lp';
import { costAwareGreedy, eliminateBins, resourceValues } from '@spot/shared/packing/heuristics';
import { sequentialValueCorrection } from '@spot/shared/packing/value-correction';
import { checkSolution, solutionCost, type VectorProblem } from '@spot/shared/packing/vector';

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const pods = Number(process.argv[2] ?? 1000);
const passes = Number(process.argv[3] ?? 8);
const alpha = Number(process.argv[4] ?? 0.5);
const allTypes = process.argv[5] === 'all';
const trace = parseTrace(gunzipSync(readFileSync('shared/data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz')).toString('utf8'));
const highs = await loadHighs();
let vec: VectorProblem | undefined;
await pack(parsePackingProblem(process.env.CLUSTER === 'synthetic' ? syntheticCluster({ pods, seed: Number(process.env.SEED ?? 7) }) : traceCluster(trace, { pods, seed: Number(process.env.SEED ?? 7) })), { highs, now: cpu, timeLimitMs: 10, onBoundProblem: (v) => { vec = v; } });
const { problem: p } = removeDominatedBinTypes(vec!);
let t = cpu();
const klp = new KnapsackLpBound(highs, p);
const fluid = solveFluidRelaxation(highs, p, klp, { now: cpu, deadline: cpu() + 10000 })!;
console.log('fluid', fluid.lowerBound.toFixed(3), 'ms', (cpu() - t).toFixed(0));
const resource = resourceValues(p);
const values = Float64Array.from(fluid.duals, (v, i) => v + 1e-6 * (resource[i] ?? 0));
t = cpu();
const g = eliminateBins(p, costAwareGreedy(p, values));
console.log('fluid-greedy', solutionCost(p, g).toFixed(3), 'ms', (cpu() - t).toFixed(0));
const support = [...fluid.assignment.entries()].filter(([, row]) => [...row.values()].some((y) => y > 1e-9)).map(([o]) => o);
t = cpu();
const r = sequentialValueCorrection(p, fluid.duals, { now: cpu, deadline: cpu() + 100000, passes, correction: alpha, refineTypes: Number(process.env.RT ?? 3), refineNodes: Number(process.env.RN ?? 300), fillPower: Number(process.env.SVC_Q ?? 4), ...(allTypes ? {} : { types: support }) })!;
const ms = cpu() - t;
const e = eliminateBins(p, r.bins);
console.log('svc passes', r.passCosts.map((c) => c.toFixed(3)).join(' '), 'best', solutionCost(p, r.bins).toFixed(3), 'elim', solutionCost(p, e).toFixed(3), 'ms', ms.toFixed(0), 'valid', checkSolution(p, r.bins) ?? 'ok');
if (process.env.SHOW) {
  const d = p.dims;
  const byType = new Map<number, string[]>();
  for (const bin of e) {
    const u = new Float64Array(d); let n = 0; let val = 0;
    bin.classes.forEach((i, j) => { const c = bin.counts[j]!; n += c; val += c * fluid.duals[i]!; for (let k = 0; k < d; k++) u[k] += c * p.sizes[i * d + k]!; });
    const cap = p.capacities.subarray(bin.type * d, bin.type * d + d);
    const s = Array.from(u, (v, k) => (100 * v / cap[k]!).toFixed(0)).join('/') + ':' + n + ` rc${(p.costs[bin.type]! - val).toFixed(3)}`;
    byType.set(bin.type, [...(byType.get(bin.type) ?? []), s]);
  }
  for (const [t, rs] of [...byType].sort((a, b) => a[0] - b[0])) console.log(`type ${t} $${p.costs[t]!.toFixed(3)} cap ${Array.from(p.capacities.subarray(t * d, t * d + d)).join('/')} x${rs.length}: ${rs.join(' ')}`);
  const fl = [...fluid.assignment.entries()].map(([o, row]) => `${o}`).join(',');
  console.log('support', support.join(','));
}
