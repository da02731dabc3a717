import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pack, parsePackingProblem } from '../../src/packing';
import { loadHighs } from '../../src/packing/highs';

const highs = await loadHighs();

interface BaselineCase {
  problem: unknown;
  hourlyCostUsd: number;
  heuristicsHourlyCostUsd: number;
  lowerBoundHourlyUsd: number;
}

/**
 * Plans of problems without the scheduling constraints of issue 18, recorded with the packer as it was
 * before them (commit 51e3f64): the same problems must give the same costs and bounds today.
 */
const cases = JSON.parse(
  readFileSync(new URL('./fixtures/unconstrained-baseline.json', import.meta.url), 'utf8'),
) as BaselineCase[];

describe('problems without scheduling constraints', () => {
  it('are packed exactly as before (cost, heuristic cost and bound)', async () => {
    expect(cases).toHaveLength(30);
    for (const c of cases) {
      const problem = parsePackingProblem(c.problem);
      const full = await pack(problem, { highs, timeLimitMs: 60_000 });
      const heuristic = await pack(problem, { heuristicsOnly: true });
      expect(full.hourlyCostUsd).toBe(c.hourlyCostUsd);
      expect(full.lowerBoundHourlyUsd).toBe(c.lowerBoundHourlyUsd);
      expect(heuristic.hourlyCostUsd).toBe(c.heuristicsHourlyCostUsd);
      expect(full.nodes.every((n) => n.zone === undefined && n.existingNode === undefined)).toBe(true);
    }
  }, 60_000);
});
