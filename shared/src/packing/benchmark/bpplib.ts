/**
 * BPPLIB's one-dimensional instances (Delorme, Iori, Martello, Optimization Letters 2018) as vendored in
 * `shared/data/bpplib/` (README.txt there: Hard28 from the GGA-CGT distribution, the optima from the
 * table of optima that accompanies it). Parsing only: reading the files is the caller's business.
 */

import type { GeneratedInstance } from './generators';
import { problemOf } from './generators';
import { InvalidInstanceError } from './panigrahy';

/**
 * One instance in the GGA-CGT format: `//` comment lines, then the item count, the bin capacity, the
 * known best solution (-1 when the file carries none; never read as an optimum here) and one weight per
 * item. Anything else is rejected with the file, the field and the value: a negative or fractional
 * size would otherwise be packed as some other instance (issue 18).
 */
export function parseGgaCgtInstance(
  name: string,
  text: string,
  family: string,
  opt?: number,
): GeneratedInstance {
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .flatMap((line) => line.split(/\s+/));
  let at = 0;
  const next = (what: string, { positive = false, signed = false } = {}) => {
    const token = tokens[at++];
    const value = token === undefined ? Number.NaN : Number(token);
    if (!Number.isFinite(value))
      throw new InvalidInstanceError(
        `${name}: malformed instance (expected ${what}, found ${token ?? 'the end'})`,
      );
    if (!Number.isInteger(value) || (!signed && value < 0) || (positive && value <= 0))
      throw new InvalidInstanceError(
        `${name}: ${what} is ${token}; it must be a ${positive ? 'positive' : 'non-negative'} integer`,
      );
    return value;
  };
  const count = next('the item count', { positive: true });
  const capacity = next('the bin capacity', { positive: true });
  next('the known best solution', { signed: true });
  const weights: number[][] = [];
  for (let i = 0; i < count; i++) {
    const weight = next(`item ${i + 1}'s weight`);
    if (weight > capacity)
      throw new InvalidInstanceError(
        `${name}: item ${i + 1}'s weight ${weight} exceeds the capacity ${capacity}`,
      );
    weights.push([weight]);
  }
  if (at < tokens.length)
    throw new InvalidInstanceError(
      `${name}: ${tokens.length - at} value(s) after the ${count} items the file announces (first: ${tokens[at]})`,
    );
  return {
    name,
    family,
    problem: problemOf(weights, [capacity]),
    items: count,
    ...(opt !== undefined ? { opt } : {}),
  };
}

/**
 * The table of optima (`Instance ,Optimum` with the instance's file name): name without `.txt` ->
 * optimum. Rows that are not a name and a positive integer are rejected, not skipped: a silently
 * missing optimum would drop an instance from the at-OPT share.
 */
export function parseOptima(text: string): Map<string, number> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const optima = new Map<string, number>();
  for (const [n, line] of lines.slice(1).entries()) {
    const [file, value] = line.split(',').map((cell) => cell.trim());
    const opt = Number(value);
    if (!file || !Number.isInteger(opt) || opt <= 0)
      throw new InvalidInstanceError(
        `optima table, row ${n + 2}: "${line}" is not a file name and a positive integer`,
      );
    optima.set(file.replace(/\.txt$/, ''), opt);
  }
  return optima;
}
