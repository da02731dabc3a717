import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGgaCgtInstance, parseOptima } from '../../src/packing/benchmark/bpplib';
import { InvalidInstanceError } from '../../src/packing/benchmark/panigrahy';
import { loadHighs } from '../../src/packing/highs';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution } from '../../src/packing/vector';

const data = (file: string) => fileURLToPath(new URL(`../../data/bpplib/${file}`, import.meta.url));

/** The GGA-CGT layout the vendored files use (CRLF, as upstream). */
const ggaCgt = (weights: readonly number[], capacity: number) =>
  ['//Number of items', weights.length, '//Bin Capacity', capacity, '//Known Best Solution', -1]
    .concat(['//Weight of Item'], weights)
    .map((line) => `${line}\r\n`)
    .join('');

describe('BPPLIB Hard28 data', () => {
  const files = readdirSync(data('hard28')).filter((f) => f.endsWith('.txt'));
  const optima = parseOptima(readFileSync(data('hard28_optima.csv'), 'utf8'));

  it('has the 28 instances, each with a published optimum no lower than its volume bound', () => {
    expect(files).toHaveLength(28);
    expect(optima.size).toBe(28);
    for (const file of files) {
      const name = file.replace(/\.txt$/, '');
      const instance = parseGgaCgtInstance(name, readFileSync(data(`hard28/${file}`), 'utf8'), 'Hard28');
      // Hard28: 160, 180 or 200 items, capacity 1000 (Schoenfield 2002).
      expect([160, 180, 200]).toContain(instance.items);
      expect(instance.problem.capacities[0]).toBe(1000);
      let volume = 0;
      instance.problem.demand.forEach((count, c) => {
        volume += count * (instance.problem.sizes[c] ?? 0);
      });
      const opt = optima.get(name);
      if (opt === undefined) throw new Error(`no optimum for ${name}`);
      expect(opt).toBeGreaterThanOrEqual(Math.ceil(volume / 1000));
    }
  });
});

describe('parseGgaCgtInstance', () => {
  it('reads any list of integer weights within the capacity, merging equal weights into classes', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10_000 })
          .chain((capacity) =>
            fc.tuple(
              fc.constant(capacity),
              fc.array(fc.integer({ min: 0, max: capacity }), { minLength: 1, maxLength: 60 }),
            ),
          ),
        ([capacity, weights]) => {
          const instance = parseGgaCgtInstance('p', ggaCgt(weights, capacity), 'f');
          expect(instance.items).toBe(weights.length);
          let items = 0;
          let volume = 0;
          instance.problem.demand.forEach((count, c) => {
            items += count;
            volume += count * (instance.problem.sizes[c] ?? 0);
          });
          expect(items).toBe(weights.length);
          expect(volume).toBe(weights.reduce((s, w) => s + w, 0));
          expect(new Set(instance.problem.sizes).size).toBe(instance.problem.demand.length);
        },
      ),
    );
  });

  it('rejects negative, fractional and oversized weights and a wrong item count, saying where', () => {
    expect(() => parseGgaCgtInstance('neg', ggaCgt([5, -3], 10), 'f')).toThrow(InvalidInstanceError);
    expect(() => parseGgaCgtInstance('neg', ggaCgt([5, -3], 10), 'f')).toThrow(
      /neg: item 2's weight is -3; it must be a non-negative integer/,
    );
    expect(() => parseGgaCgtInstance('frac', ggaCgt([2.5], 10), 'f')).toThrow(/frac: item 1's weight is 2.5/);
    expect(() => parseGgaCgtInstance('big', ggaCgt([11], 10), 'f')).toThrow(
      /weight 11 exceeds the capacity 10/,
    );
    expect(() => parseGgaCgtInstance('cap', ggaCgt([1], 0), 'f')).toThrow(
      /the bin capacity is 0; it must be a positive/,
    );
    const short = ggaCgt([1, 2, 3], 10).replace('\r\n3\r\n', '\r\n4\r\n');
    expect(() => parseGgaCgtInstance('short', short, 'f')).toThrow(/expected item 4's weight, found the end/);
    const long = ggaCgt([1, 2, 3], 10).replace('\r\n3\r\n', '\r\n2\r\n');
    expect(() => parseGgaCgtInstance('long', long, 'f')).toThrow(/1 value\(s\) after the 2 items/);
  });

  it('rejects an optima row that is not a name and a positive integer', () => {
    expect(parseOptima('Instance ,Optimum\nhBPP14.txt ,62\n').get('hBPP14')).toBe(62);
    expect(() => parseOptima('Instance ,Optimum\nhBPP14.txt ,6.5\n')).toThrow(/row 2/);
    expect(() => parseOptima('Instance ,Optimum\nhBPP14.txt\n')).toThrow(InvalidInstanceError);
  });

  it('gives the solver a problem whose plan it can check (a small Hard28-like instance)', async () => {
    const instance = parseGgaCgtInstance('small', ggaCgt([600, 400, 500, 500, 300, 300, 400], 1000), 'f');
    const result = await solveVectorPacking(instance.problem, { highs: await loadHighs() });
    expect(checkSolution(instance.problem, result.bins)).toBeUndefined();
    // Volume 3000 on capacity 1000, and 600+400, 500+500, 300+300+400 fill three bins exactly.
    expect(result.cost).toBe(3);
  });
});
