import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { loadHighs } from '@spot/shared/packing/highs';
import { pack } from '@spot/shared/packing/pack';
import { parsePackingProblem } from '@spot/shared/packing/problem';
import { parseTrace, traceCluster } from '@spot/shared/packing/benchmark/trace-cluster';
import { syntheticCluster } from '@spot/shared/packing/benchmark/synthetic-cluster';
import { solveVectorPacking } from '@spot/shared/packing/solve';
import type { VectorProblem } from '@spot/shared/packing/vector';

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const pods = Number(process.argv[2] ?? 1000);
const trace = parseTrace(gunzipSync(readFileSync('shared/data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz')).toString('utf8'));
const highs = await loadHighs();
let vec: VectorProblem | undefined;
await pack(parsePackingProblem(process.env.CLUSTER === 'synthetic' ? syntheticCluster({ pods, seed: Number(process.env.SEED ?? 7) }) : traceCluster(trace, { pods, seed: Number(process.env.SEED ?? 7) })), { highs, now: cpu, timeLimitMs: 10, onBoundProblem: (v) => { vec = v; } });
const r = await solveVectorPacking(vec!, { highs, now: cpu, repackRounds: Number(process.env.REPACK ?? 64) });
console.log('classes', r.stats.classes, 'types', r.stats.binTypesKept, 'cost', r.cost.toFixed(3), r.stats.origin, 'lb', r.lowerBound.toFixed(3), JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)]))));
