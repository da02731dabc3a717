/**
 * Generators of the published vector bin packing classes beyond Panigrahy's, re-implemented from their
 * definitions with a seeded PRNG (so the instances are ours, drawn from the same distributions, not
 * the published files):
 *
 * - **Triplet** classes of Mommessin, Erlebach, Shakhlevich (2024), after Falkenauer (1996) and Caprara
 *   and Toth (2001): n/3 triplets whose sizes sum to the capacity 100 in every dimension, so OPT = n/3
 *   bins is known by construction. Source: `data/scripts/generate_Triplet_multidim.py` of
 *   Vectorpack/experiments_vector_paper (MIT), commit 2987edd8. Falkenauer: a in [38, 49],
 *   b in [25, floor((100 - a) / 2)], c = 100 - a - b; Caprara: a, b in [25, 50]; Mommessin: a, b in
 *   [1, 50] (c = 100 - a - b), drawn independently per dimension.
 * - **New** classes 1-6 of the same paper (`generate_New_multidim.py`, commit 11079141): class 1 has
 *   n/d items large (50-100) in one dimension and small (0-25) in the others; classes 2 and 3 Gaussian
 *   sizes N(20, 10) and N(30, 15); classes 4-6 bimodal (a share of large items per dimension drawn
 *   from N(0.1 n, sqrt(n / 4)), large/small means 70/30, 80/20, 70/15, sigma 15, 10, 10), sizes redrawn
 *   until in [0, 100]. OPT is not known by construction.
 * - **1-D hard sets** of BPPLIB (Delorme, Iori, Martello 2018): Falkenauer's triplet class T
 *   (capacity 1000, first item in [380, 490], second in [250, (1000 - first) / 2], third completes the
 *   bin; OPT = n/3), and an "augmented perfect packing" class after the description of BPPLIB's AI
 *   instances (every bin of a perfect packing cut into 3-5 pieces of at least a tenth of the capacity,
 *   `perfectPackingInstance`; OPT = the bins cut, known by construction). The exact AI/ANI generator
 *   was not available here; this class follows the paper's idea (large items, perfect packings, the LP
 *   bound tight), not its code, and says so in docs/packing.md.
 */
import type { VectorProblem } from '../vector';
import { mulberry32 } from './synthetic-cluster';

export interface GeneratedInstance {
  readonly name: string;
  readonly family: string;
  readonly problem: VectorProblem;
  readonly items: number;
  /** Optimum known by construction, if any. */
  readonly opt?: number;
}

type Random = () => number;
const randint = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** Standard normal by Box-Muller. */
function gaussian(random: Random, mean: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return mean + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A rounded normal size redrawn until it lies in [0, 100] (the generator's rule). */
function gaussianSize(random: Random, mean: number, sigma: number): number {
  for (;;) {
    const size = Math.round(gaussian(random, mean, sigma));
    if (size >= 0 && size <= 100) return size;
  }
}

/** Identical bins of the given capacity, one class per item (duplicates merged). */
export function problemOf(items: readonly (readonly number[])[], capacity: readonly number[]): VectorProblem {
  const dims = capacity.length;
  const merged = new Map<string, { size: readonly number[]; count: number }>();
  for (const item of items) {
    const key = item.join(',');
    const entry = merged.get(key);
    if (entry) entry.count++;
    else merged.set(key, { size: item, count: 1 });
  }
  const classes = [...merged.values()];
  return {
    dims,
    sizes: Float64Array.from(classes.flatMap((c) => [...c.size])),
    demand: Int32Array.from(classes, (c) => c.count),
    capacities: Float64Array.from(capacity),
    costs: Float64Array.of(1),
    compatible: new Uint8Array(classes.length).fill(1),
    minBins: 0,
  };
}

export type TripletKind = 'Falkenauer' | 'Caprara' | 'Mommessin';

export function tripletInstance(kind: TripletKind, n: number, d: number, seed: number): GeneratedInstance {
  const random = mulberry32(seed);
  const triplets = Math.floor(n / 3);
  const items: number[][] = [];
  for (let t = 0; t < triplets; t++) {
    const [a, b, c] = [[], [], []] as number[][];
    for (let k = 0; k < d; k++) {
      let x: number;
      let y: number;
      if (kind === 'Falkenauer') {
        x = randint(random, 38, 49);
        y = randint(random, 25, Math.floor((100 - x) / 2));
      } else if (kind === 'Caprara') {
        x = randint(random, 25, 50);
        y = randint(random, 25, 50);
      } else {
        x = randint(random, 1, 50);
        y = randint(random, 1, 50);
      }
      a?.push(x);
      b?.push(y);
      c?.push(100 - x - y);
    }
    items.push(a ?? [], b ?? [], c ?? []);
  }
  return {
    name: `class${kind[0]}_${n}_${d}_${seed}`,
    family: `Triplet ${kind}`,
    problem: problemOf(items, new Array<number>(d).fill(100)),
    items: items.length,
    opt: triplets,
  };
}

export function newClassInstance(
  cls: 1 | 2 | 3 | 4 | 5 | 6,
  n: number,
  d: number,
  seed: number,
): GeneratedInstance {
  const random = mulberry32(seed);
  const items: number[][] = [];
  if (cls === 1) {
    const per = Math.floor(n / d);
    for (let large = 0; large < d; large++) {
      const count = large === d - 1 ? per + (n % d) : per;
      for (let j = 0; j < count; j++)
        items.push(
          Array.from({ length: d }, (_, k) =>
            k === large ? randint(random, 50, 100) : randint(random, 0, 25),
          ),
        );
    }
  } else if (cls === 2 || cls === 3) {
    const [mean, sigma] = cls === 2 ? [20, 10] : [30, 15];
    for (let j = 0; j < n; j++)
      items.push(Array.from({ length: d }, () => gaussianSize(random, mean, sigma)));
  } else {
    const [large, small, sigma] = cls === 4 ? [70, 30, 15] : cls === 5 ? [80, 20, 10] : [70, 15, 10];
    const columns: number[][] = [];
    for (let k = 0; k < d; k++) {
      const nLarge = Math.min(
        n,
        Math.max(0, Math.round(gaussian(random, Math.floor(n * 0.1), Math.sqrt(n / 4)))),
      );
      const sizes = [
        ...Array.from({ length: nLarge }, () => gaussianSize(random, large, sigma)),
        ...Array.from({ length: n - nLarge }, () => gaussianSize(random, small, sigma)),
      ];
      for (let j = sizes.length - 1; j > 0; j--) {
        const r = Math.floor(random() * (j + 1));
        [sizes[j], sizes[r]] = [sizes[r] ?? 0, sizes[j] ?? 0];
      }
      columns.push(sizes);
    }
    for (let j = 0; j < n; j++) items.push(columns.map((c) => c[j] ?? 0));
  }
  return {
    name: `class${cls}_${n}_${d}_${seed}`,
    family: `New class ${cls}`,
    problem: problemOf(items, new Array<number>(d).fill(100)),
    items: n,
  };
}

/** Falkenauer's 1-D triplets (BPPLIB "Falkenauer T"): capacity 1000, OPT = n/3. */
export function falkenauerT(n: number, seed: number): GeneratedInstance {
  const random = mulberry32(seed);
  const items: number[][] = [];
  for (let t = 0; t < Math.floor(n / 3); t++) {
    const a = randint(random, 380, 490);
    const b = randint(random, 250, Math.floor((1000 - a) / 2));
    items.push([a], [b], [1000 - a - b]);
  }
  return {
    name: `t${n}_${seed}`,
    family: '1-D Falkenauer T',
    problem: problemOf(items, [1000]),
    items: items.length,
    opt: n / 3,
  };
}

/**
 * A 1-D perfect packing of `bins` bins of capacity C = 10,000, each cut at random points into 3 to 5
 * pieces of at least C/10 (after the idea of BPPLIB's AI instances: large, unequal items that fill
 * every bin exactly, so the continuous bound is the optimum and any slack is a loss). OPT = bins.
 */
export function perfectPackingInstance(bins: number, seed: number): GeneratedInstance {
  const random = mulberry32(seed);
  const capacity = 10_000;
  const items: number[][] = [];
  for (let b = 0; b < bins; b++) {
    const pieces = randint(random, 3, 5);
    // Cut points at least C/10 apart: pieces of C/10 plus a random share of the rest.
    const free = capacity - pieces * (capacity / 10);
    const weights = Array.from({ length: pieces }, () => random());
    const total = weights.reduce((s, w) => s + w, 0);
    const sizes = weights.map((w) => capacity / 10 + Math.floor((w / total) * free));
    sizes[0] = (sizes[0] ?? 0) + capacity - sizes.reduce((s, v) => s + v, 0);
    for (const size of sizes) items.push([size]);
  }
  return {
    name: `pp${bins}_${seed}`,
    family: '1-D perfect packing (AI-like)',
    problem: problemOf(items, [capacity]),
    items: items.length,
    opt: bins,
  };
}
