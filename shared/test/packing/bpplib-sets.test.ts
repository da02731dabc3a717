import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BPPLIB_SETS, type BpplibFiles, loadBpplibSet } from '../../src/packing/benchmark/bpplib-sets';
import { InvalidInstanceError } from '../../src/packing/benchmark/panigrahy';

const dir = fileURLToPath(new URL('../../data/bpplib/', import.meta.url));
const vendored: BpplibFiles = {
  list: (folder) => readdirSync(`${dir}${folder}`),
  read: (path) => readFileSync(`${dir}${path}`, 'utf8'),
};

/** The header as the file states it, read apart from the parser: item count, then capacity. */
const header = (text: string) => {
  const [count, capacity] = text
    .split('\r\n')
    .filter((line) => line !== '' && !line.startsWith('//'))
    .map(Number);
  return { count, capacity };
};

describe.each(BPPLIB_SETS)('BPPLIB $family data', (set) => {
  const instances = loadBpplibSet(set, vendored);

  it('has every instance, each matching its header, with an optimum no lower than its volume bound', () => {
    expect(instances).toHaveLength(set.instances);
    for (const instance of instances) {
      const text = vendored.read(`${set.folder}/${instance.name}.txt`);
      // Byte-faithful copies: CRLF line endings, as upstream (README.txt).
      expect(text.endsWith('\r\n') && !/[^\r]\n/.test(text)).toBe(true);
      const { count, capacity } = header(text);
      let items = 0;
      let volume = 0;
      instance.problem.demand.forEach((n, c) => {
        items += n;
        volume += n * (instance.problem.sizes[c] ?? 0);
      });
      expect(instance.items).toBe(count);
      expect(items).toBe(count);
      expect(instance.problem.capacities[0]).toBe(capacity);
      expect(capacity).toBe(set.capacity);
      expect(instance.opt).toBeGreaterThanOrEqual(Math.ceil(volume / set.capacity));
    }
  });
});

describe('loadBpplibSet', () => {
  const set = { family: 'f', folder: 'x', optima: 'x_optima.csv', instances: 2, capacity: 10 };
  const file = (weights: readonly number[], capacity = 10) =>
    ['//Number of items', weights.length, '//Bin Capacity', capacity, '//Known Best Solution', -1]
      .concat(['//Weight of Item'], weights)
      .map((line) => `${line}\r\n`)
      .join('');
  const files = (contents: Record<string, string>): BpplibFiles => ({
    list: () =>
      Object.keys(contents)
        .filter((path) => path.startsWith('x/'))
        .map((path) => path.slice(2)),
    read: (path) => {
      const text = contents[path];
      if (text === undefined) throw new Error(`no ${path}`);
      return text;
    },
  });
  const optima = 'Instance ,Optimum\nA.txt ,1\nB10.txt ,2\n';

  it('loads the files in natural order with their optima', () => {
    const loaded = loadBpplibSet(
      set,
      files({ 'x_optima.csv': optima, 'x/B10.txt': file([6, 6]), 'x/A.txt': file([3, 4]) }),
    );
    expect(loaded.map((g) => [g.name, g.opt, g.items])).toEqual([
      ['A', 1, 2],
      ['B10', 2, 2],
    ]);
  });

  it('rejects a negative or fractional weight, naming the file, the field and the value', () => {
    const load = (weights: number[]) =>
      loadBpplibSet(
        set,
        files({ 'x_optima.csv': optima, 'x/A.txt': file([3, 4]), 'x/B10.txt': file(weights) }),
      );
    expect(() => load([6, -2])).toThrow(InvalidInstanceError);
    expect(() => load([6, -2])).toThrow(/B10: item 2's weight is -2; it must be a non-negative integer/);
    expect(() => load([6.5, 2])).toThrow(/B10: item 1's weight is 6.5/);
    expect(() => load([11, 2])).toThrow(/B10: item 1's weight 11 exceeds the capacity 10/);
  });

  it('rejects a missing optimum, a wrong set size and a capacity other than the set’s', () => {
    expect(() =>
      loadBpplibSet(
        set,
        files({
          'x_optima.csv': 'Instance ,Optimum\nA.txt ,1\nC.txt ,2\n',
          'x/A.txt': file([3]),
          'x/B.txt': file([3]),
        }),
      ),
    ).toThrow(/x_optima.csv: no optimum for B/);
    expect(() => loadBpplibSet(set, files({ 'x_optima.csv': optima, 'x/A.txt': file([3]) }))).toThrow(
      /x: 1 instance files and 2 optima, expected 2 of each/,
    );
    expect(() =>
      loadBpplibSet(set, files({ 'x_optima.csv': optima, 'x/A.txt': file([3]), 'x/B10.txt': file([3], 12) })),
    ).toThrow(/B10: the bin capacity is 12; the f set has 10/);
  });
});
