import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { panigrahyInstances, parseSummary, parseVbp } from '../../src/packing/benchmark/panigrahy';
import { loadHighs } from '../../src/packing/highs';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution } from '../../src/packing/vector';

const data = (file: string) =>
  fileURLToPath(new URL(`../../data/vector_binpacking/${file}`, import.meta.url));

describe('Panigrahy benchmark data', () => {
  const instances = panigrahyInstances(gunzipSync(readFileSync(data('Panigrahy_instances.tar.gz'))));
  const summary = parseSummary(readFileSync(data('Panigrahy_summary_known.tsv'), 'utf8'));

  it('reads all 1,620 instances and the 1,200 known optima', () => {
    expect(instances).toHaveLength(1620);
    expect(summary.size).toBe(1620);
    expect([...summary.values()].filter((r) => r.opt !== undefined)).toHaveLength(1200);
    const first = instances.find((i) => i.name === 'class1_20_3_0');
    expect(first?.problem.dims).toBe(3);
    expect(first?.items).toBe(20);
  });

  it('parses the .vbp format: d, capacities, n, then sizes and multiplicity', () => {
    const instance = parseVbp('tiny', '2\n10 10\n2\n5 1 3\n1 5 1\n');
    expect(Array.from(instance.problem.capacities)).toEqual([10, 10]);
    expect(Array.from(instance.problem.demand)).toEqual([3, 1]);
    expect(instance.items).toBe(4);
  });

  it('solves small instances to their known optimum and proves it', async () => {
    const highs = await loadHighs();
    for (const name of ['class2_20_3_0', 'class6_20_5_1', 'class7_40_3_4', 'class9_20_3_0']) {
      const instance = instances.find((i) => i.name === name);
      if (!instance) throw new Error(`missing ${name}`);
      const result = await solveVectorPacking(instance.problem, { highs });
      expect(checkSolution(instance.problem, result.bins)).toBeUndefined();
      expect(result.cost).toBe(summary.get(name)?.opt);
      expect(result.lowerBound).toBe(result.cost);
    }
  }, 60_000);
});
