/**
 * The HiGHS LP/MIP solver (WebAssembly, npm `highs`), loaded once on first use. Loading is lazy so code
 * that never packs does not pay for the 3.5 MB module; tests and benchmarks share the instance.
 */
import type { Highs } from 'highs';

let instance: Promise<Highs> | undefined;

/**
 * The shared HiGHS runtime, instantiated on the first call and warmed up with a small LP, so that the
 * WebAssembly of the simplex paths is compiled before any solve's time budget starts.
 */
export function loadHighs(): Promise<Highs> {
  instance ??= import('highs').then((module) => module.default()).then(warmUp);
  return instance;
}

function warmUp(highs: Highs): Highs {
  // min sum x s.t. x_i + x_{i+1} >= 1 (a covering chain): a few dozen simplex iterations.
  // Column j covers rows j-1 and j (column 0 only row 0).
  const n = 40;
  const starts = Int32Array.from({ length: n + 1 }, (_, j) => (j === 0 ? 0 : 2 * j - 1));
  const indices: number[] = [];
  for (let j = 0; j < n; j++) {
    if (j > 0) indices.push(j - 1);
    indices.push(j);
  }
  highs.withModel(
    {
      numCols: n,
      numRows: n,
      colCost: new Float64Array(n).fill(1),
      colLower: new Float64Array(n),
      colUpper: new Float64Array(n).fill(highs.infinity),
      rowLower: new Float64Array(n).fill(1),
      rowUpper: new Float64Array(n).fill(highs.infinity),
      matrix: {
        format: 'csc',
        numRows: n,
        numCols: n,
        starts,
        indices: Int32Array.from(indices),
        values: new Float64Array(indices.length).fill(1),
      },
    },
    (model) => {
      model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex', simplex_strategy: 4 });
      model.run();
      model.options.set({ simplex_strategy: 1 });
      model.run();
      model.options.set({ presolve: 'on', solver: 'choose', simplex_strategy: 1 });
      model.changeColsCost(
        { kind: 'range', from: 0, to: n - 1 },
        Float64Array.from({ length: n }, (_, j) => 1 + (j % 3)),
      );
      model.run();
    },
  );
  return highs;
}

export type { Highs, Model as HighsModel } from 'highs';
