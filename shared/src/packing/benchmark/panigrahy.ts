/**
 * Parsers for the Panigrahy vector packing benchmark (`shared/data/vector_binpacking/`): a minimal tar
 * reader, the VPSolver `.vbp` format, and the summary of known optima. Pure functions over bytes and
 * text: the caller reads and gunzips the archive (node:zlib in scripts/bench/packing.ts).
 */
import type { VectorProblem } from '../vector';

export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const utf8 = new TextDecoder();

/** Regular files of an uncompressed (ustar or v7) tar archive. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      utf8.decode(header.subarray(start, start + length)).replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(257, 6).startsWith('ustar') ? field(345, 155) : '';
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const dataStart = offset + 512;
    if (type === '0' || type === '')
      entries.push({ name, data: archive.subarray(dataStart, dataStart + size) });
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** A benchmark file that does not describe a valid instance (negative or fractional sizes, bad syntax). */
export class InvalidInstanceError extends Error {
  override readonly name = 'InvalidInstanceError';
}

export interface PanigrahyInstance {
  readonly name: string;
  readonly problem: VectorProblem;
  /** Number of items (sum of multiplicities). */
  readonly items: number;
}

/** VPSolver `.vbp`: d; the d bin capacities; n; then n lines of d sizes and a multiplicity. */
export function parseVbp(name: string, text: string): PanigrahyInstance {
  const numbers = text
    .split(/\s+/)
    .filter((t) => t !== '')
    .map(Number);
  let at = 0;
  // Some published files carry negative or fractional sizes: the instance is rejected with where and
  // what, rather than solved as something it is not (issue 18).
  const next = (what: string, positive = false) => {
    const value = numbers[at++];
    if (value === undefined || !Number.isFinite(value))
      throw new InvalidInstanceError(`${name}: malformed .vbp (expected ${what}, token ${at})`);
    if (!Number.isInteger(value) || value < 0 || (positive && value === 0))
      throw new InvalidInstanceError(
        `${name}: ${what} is ${value}; sizes, capacities and multiplicities must be ${positive ? 'positive' : 'non-negative'} integers`,
      );
    return value;
  };
  const dims = next('the dimension count', true);
  const capacity = Array.from({ length: dims }, (_, k) => next(`capacity ${k + 1}`, true));
  const lines = next('the item line count');
  const sizes: number[] = [];
  const demand: number[] = [];
  for (let l = 0; l < lines; l++) {
    for (let k = 0; k < dims; k++) sizes.push(next(`item ${l + 1} size ${k + 1}`));
    demand.push(next(`item ${l + 1} multiplicity`));
  }
  const classes = demand.length;
  return {
    name,
    items: demand.reduce((s, v) => s + v, 0),
    problem: {
      dims,
      sizes: Float64Array.from(sizes),
      demand: Int32Array.from(demand),
      capacities: Float64Array.from(capacity),
      costs: Float64Array.of(1),
      compatible: new Uint8Array(classes).fill(1),
      minBins: 0,
    },
  };
}

/** Every `.vbp` instance of the (already gunzipped) archive, sorted by name. */
export function panigrahyInstances(tar: Uint8Array): PanigrahyInstance[] {
  return readTar(tar)
    .filter((e) => e.name.endsWith('.vbp'))
    .map((e) => parseVbp(e.name.replace(/^.*\//, '').replace(/\.vbp$/, ''), utf8.decode(e.data)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface PanigrahySummaryRow {
  readonly lb: number;
  /** Proven optimum, or undefined when unknown (-1 in the file). */
  readonly opt: number | undefined;
  /** Bins of the best heuristic in Mommessin et al. (2024). */
  readonly bestHeuristic: number;
}

/** `Panigrahy_summary_known.tsv`: instance name -> simple bound, optimum if known, best heuristic. */
export function parseSummary(text: string): Map<string, PanigrahySummaryRow> {
  const [header, ...rows] = text.trim().split('\n');
  const columns = (header ?? '').split('\t');
  const col = (name: string) => columns.indexOf(name);
  const result = new Map<string, PanigrahySummaryRow>();
  for (const row of rows) {
    const cells = row.split('\t');
    const opt = Number(cells[col('OPT')]);
    result.set(cells[col('instance_name')] ?? '', {
      lb: Number(cells[col('LB')]),
      opt: opt > 0 ? opt : undefined,
      bestHeuristic: Number(cells[col('best_overall')]),
    });
  }
  return result;
}
