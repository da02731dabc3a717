/**
 * BPPLIB's Waescher and Schwerin sets as vendored in `shared/data/bpplib/` beside Hard28 (README.txt
 * there: the GGA-CGT copies of the instances and the published optima). What each set is and where its
 * files lie; reading them is the caller's business (`files`), parsing goes through the same validating
 * parser as Hard28, so a negative, fractional or oversized weight stops the load with the file, the
 * field and the value.
 */

import { parseGgaCgtInstance, parseOptima } from './bpplib';
import type { GeneratedInstance } from './generators';
import { InvalidInstanceError } from './panigrahy';

export interface BpplibSet {
  /** Family label in benchmark reports. */
  readonly family: string;
  /** Folder of the instance files under `shared/data/bpplib/`. */
  readonly folder: string;
  /** The set's extract of the table of optima, under `shared/data/bpplib/`. */
  readonly optima: string;
  /** Instances the set has (a missing or extra file is an error, not a smaller set). */
  readonly instances: number;
  /** Bin capacity of every instance in the set. */
  readonly capacity: number;
}

export const BPPLIB_SETS: readonly BpplibSet[] = [
  // Waescher, Gau (1996): 17 instances, 57-239 items, capacity 10000, hard for heuristics.
  {
    family: '1-D BPPLIB Waescher',
    folder: 'waescher',
    optima: 'waescher_optima.csv',
    instances: 17,
    capacity: 10_000,
  },
  // Schwerin, Waescher (1997): 100 instances each, 100 (1) or 120 (2) items of 150-200, capacity 1000.
  {
    family: '1-D BPPLIB Schwerin 1',
    folder: 'schwerin1',
    optima: 'schwerin1_optima.csv',
    instances: 100,
    capacity: 1000,
  },
  {
    family: '1-D BPPLIB Schwerin 2',
    folder: 'schwerin2',
    optima: 'schwerin2_optima.csv',
    instances: 100,
    capacity: 1000,
  },
];

/** How the loader reads the vendored files: paths are relative to `shared/data/bpplib/`. */
export interface BpplibFiles {
  list(folder: string): readonly string[];
  read(path: string): string;
}

/**
 * The set's instances in natural name order, each with its published optimum. Every file must have an
 * optimum and every optimum a file, the set must have its announced size and capacity: a silently
 * dropped instance would change the at-OPT share.
 */
export function loadBpplibSet(set: BpplibSet, files: BpplibFiles): GeneratedInstance[] {
  const optima = parseOptima(files.read(set.optima));
  const names = files
    .list(set.folder)
    .filter((file) => file.endsWith('.txt'))
    .map((file) => file.replace(/\.txt$/, ''))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length !== set.instances || optima.size !== set.instances)
    throw new InvalidInstanceError(
      `${set.folder}: ${names.length} instance files and ${optima.size} optima, expected ${set.instances} of each`,
    );
  return names.map((name) => {
    const opt = optima.get(name);
    if (opt === undefined) throw new InvalidInstanceError(`${set.optima}: no optimum for ${name}`);
    const instance = parseGgaCgtInstance(name, files.read(`${set.folder}/${name}.txt`), set.family, opt);
    const capacity = instance.problem.capacities[0];
    if (capacity !== set.capacity)
      throw new InvalidInstanceError(
        `${name}: the bin capacity is ${capacity}; the ${set.family} set has ${set.capacity}`,
      );
    return instance;
  });
}
