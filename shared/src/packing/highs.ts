/**
 * The HiGHS LP/MIP solver (WebAssembly, npm `highs`), loaded once on first use. Loading is lazy so code
 * that never packs does not pay for the 3.5 MB module; tests and benchmarks share the instance.
 */
import type { Highs } from 'highs';

let instance: Promise<Highs> | undefined;

/** The shared HiGHS runtime, instantiated on the first call. */
export function loadHighs(): Promise<Highs> {
  instance ??= import('highs').then((module) => module.default());
  return instance;
}

export type { Highs, Model as HighsModel } from 'highs';
