/**
 * Deterministic randomness for the sandbox: a seeded generator (sfc32) for building the world, and a
 * stateless integer hash for everything sampled per moment (an interruption in hour H of slot i, a
 * latency spike, a price step). The hash makes the world a pure function of (seed, time): any hour can
 * be asked about in any order and gives the same answer. `Math.random` is never used.
 */

/** 32-bit FNV-1a of a string: turns names into numeric keys once, so the hot paths mix integers only. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: every input bit reaches every output bit. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const MIX_SEED = 0x9e3779b9;

/** One step of `mix`: folds a value in (milliseconds exceed 32 bits, so the high part is folded too). */
function step(h: number, value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 4_294_967_296) >>> 0;
  let out = fmix32(h ^ low) + 0x7f4a7c15;
  if (high !== 0) out = fmix32(out ^ high) + 0x6a09e667;
  return out;
}

/** Hash of a sequence of integers (each taken modulo 2^32; hours since 1970 fit). */
export function mix(...values: readonly number[]): number {
  let h = MIX_SEED;
  for (const value of values) h = step(h, value);
  return fmix32(h);
}

/** A uniform number in [0, 1) from the integers, deterministically. */
export const unit = (...values: readonly number[]): number => mix(...values) / 4_294_967_296;

/** `unit(a, b, c)` without the rest-parameter array: for the hot paths. */
export const unit3 = (a: number, b: number, c: number): number =>
  fmix32(step(step(step(MIX_SEED, a), b), c)) / 4_294_967_296;

/** `unit(a, b, c, d)` without the rest-parameter array: for the per-node-hour hot paths. */
export const unit4 = (a: number, b: number, c: number, d: number): number =>
  fmix32(step(step(step(step(MIX_SEED, a), b), c), d)) / 4_294_967_296;

/** sfc32 (PractRand-tested small fast counter generator), seeded through the hash. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, ...stream: readonly (number | string)[]) {
    const key = stream.map((s) => (typeof s === 'string' ? hashString(s) : s));
    this.a = mix(seed, ...key, 1);
    this.b = mix(seed, ...key, 2);
    this.c = mix(seed, ...key, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4_294_967_296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One item, with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let r = this.next() * total;
    for (const [item, weight] of items) {
      r -= weight;
      if (r < 0) return item;
    }
    const last = items[items.length - 1];
    if (!last) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }

  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

/** Lowercase hex of `length` characters from the hash of the integers (instance ids, group ids). */
export function hexId(length: number, ...values: readonly number[]): string {
  let out = '';
  let round = 0;
  while (out.length < length)
    out += mix(...values, round++)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}
