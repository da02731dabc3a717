import { costAwareGreedy, eliminateBins } from '@spot/shared/packing/heuristics';
import { sequentialValueCorrection } from '@spot/shared/packing/value-correction';
import { solutionCost } from '@spot/shared/packing/vector';
import { bruteForceOptimum, vectorProblem } from '../../shared/test/packing/helpers';
let seed = 12345;
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
for (let t = 0; t < 3000; t++) {
  const sizes = [[60 + rnd(30), 10 + rnd(20)], [10 + rnd(20), 60 + rnd(30)], [20 + rnd(20), 20 + rnd(20)]];
  const p = vectorProblem({ sizes, demand: [1 + rnd(2), 1 + rnd(2), 1 + rnd(2)], capacities: [[100, 100], [100, 50], [50, 100]], costs: [10, 5 + rnd(3), 5 + rnd(3)] });
  const v = sizes.map((s) => (s[0]! + s[1]!) / 20);
  const g = solutionCost(p, eliminateBins(p, costAwareGreedy(p, v)));
  const r = sequentialValueCorrection(p, v, { now: () => 0, deadline: 1 })!;
  const s = solutionCost(p, r.bins);
  const opt = bruteForceOptimum(p);
  if (s < g - 1e-9 && s === opt) { console.log(JSON.stringify({ sizes, demand: Array.from(p.demand), costs: Array.from(p.costs), g, s, opt, v })); break; }
}
