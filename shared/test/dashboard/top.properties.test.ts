import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopList } from '../../src/dashboard/top';

describe('TopList', () => {
  it('keeps what a stable sort by value, largest first, and slice(0, k) keep, ties in offered order', () => {
    fc.assert(
      fc.property(
        // Few distinct values: ties everywhere, where an unstable ranking would show.
        fc.array(fc.oneof(fc.constantFrom(0, 1, 2.5, 7), fc.double({ min: 0, max: 100, noNaN: true })), {
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: 12 }),
        (values, k) => {
          const top = new TopList<number>(k);
          values.forEach((v, i) => {
            top.offer(v, () => i);
          });
          const expected = values
            .map((v, i) => ({ v, i }))
            .sort((a, b) => b.v - a.v)
            .slice(0, k)
            .map((e) => e.i);
          expect(top.items()).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('builds an item only when it is kept', () => {
    const top = new TopList<string>(1);
    let built = 0;
    top.offer(5, () => `a${++built}`);
    top.offer(5, () => `b${++built}`);
    top.offer(3, () => `c${++built}`);
    expect(top.items()).toEqual(['a1']);
    expect(built).toBe(1);
  });
});
