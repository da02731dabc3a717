import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString, hexId, mix, Rng, unit, unit3, unit4 } from '../../src/sandbox/random';

const integer = fc.integer({ min: 0, max: 2 ** 45 });

describe('sandbox randomness', () => {
  it('draws uniforms in [0, 1), the fixed-arity forms equal to the general one', () => {
    fc.assert(
      fc.property(integer, integer, integer, integer, (a, b, c, d) => {
        const u = unit(a, b, c, d);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThan(1);
        expect(unit4(a, b, c, d)).toBe(u);
        expect(unit3(a, b, c)).toBe(unit(a, b, c));
      }),
    );
  });

  it('tells apart values that differ only above 32 bits (millisecond timestamps)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 20 }), (k) => {
        expect(mix(1, k * 2 ** 32)).not.toBe(mix(1, 0));
      }),
    );
  });

  it('repeats a seeded stream exactly, and another seed or stream name gives another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.string(), (seed, name) => {
        const a = new Rng(seed, name);
        const b = new Rng(seed, name);
        const first = Array.from({ length: 8 }, () => a.next());
        expect(Array.from({ length: 8 }, () => b.next())).toEqual(first);
        const other = new Rng(seed + 1, name);
        expect(Array.from({ length: 8 }, () => other.next())).not.toEqual(first);
      }),
    );
  });

  it('spreads draws evenly (chi-square over 10 bins)', () => {
    const rng = new Rng(42, 'uniformity');
    const bins = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.next() * 10);
      bins[k] = (bins[k] ?? 0) + 1;
    }
    const chi = bins.reduce((sum, count) => sum + (count - n / 10) ** 2 / (n / 10), 0);
    // 9 degrees of freedom: 27.9 is the 0.1 % critical value.
    expect(chi).toBeLessThan(27.9);
    expect(hexId(17, 1, 2)).toMatch(/^[0-9a-f]{17}$/);
    expect(hashString('prod-payments-use1')).toBe(hashString('prod-payments-use1'));
  });
});
