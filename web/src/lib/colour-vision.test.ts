import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  deltaE2000,
  type Lab,
  parseHex,
  perceivedDifference,
  simulate,
  toHex,
  toLab,
} from './colour-vision';

describe('CIEDE2000', () => {
  // Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula": test pairs 1, 7, 17, 18, 25, 34.
  const sharma: [Lab, Lab, number][] = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[50, 2.5, 0], [61, -5, 29], 22.8977],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
  ];
  it.each(sharma)('%j vs %j is %f', (a, b, expected) => {
    expect(deltaE2000(a, b)).toBeCloseTo(expected, 4);
  });

  it('is symmetric, and zero between a colour and itself', () => {
    const lab = fc.tuple(
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }),
    );
    fc.assert(
      fc.property(lab, lab, (a, b) => {
        expect(deltaE2000(a, b)).toBeCloseTo(deltaE2000(b, a), 9);
        expect(deltaE2000(a, a)).toBe(0);
      }),
    );
  });
});

describe('colour spaces', () => {
  it('sRGB white and black in L*a*b*', () => {
    const white = toLab('#ffffff');
    expect(white[0]).toBeCloseTo(100, 3);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01);
    expect(toLab('#000000')[0]).toBeCloseTo(0, 6);
  });

  it('reads #rgb and #rrggbb and writes #rrggbb', () => {
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(toHex(parseHex('#2563EB'))).toBe('#2563eb');
    expect(() => parseHex('blue')).toThrow();
  });

  it('WCAG contrast: black on white is 21, a colour on itself 1, #475569 on white 7.58', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrastRatio('#2563eb', '#2563eb')).toBe(1);
    expect(contrastRatio('#475569', '#ffffff')).toBeCloseTo(7.58, 2);
  });
});

describe('colour vision deficiency (Machado et al. 2009, severity 1.0)', () => {
  const hex = fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
    )
    .map((rgb) => toHex(rgb));

  it('leaves greys grey (each row of the matrices sums to 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (v) => {
        const grey = toHex([v, v, v]);
        for (const vision of ['protanopia', 'deuteranopia'] as const) {
          const [r, g, b] = parseHex(simulate(grey, vision));
          expect(Math.max(Math.abs(r - v), Math.abs(g - v), Math.abs(b - v))).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('makes red and green of one lightness look alike, and keeps blue and yellow apart', () => {
    // A red and a green that normal vision tells apart at once.
    expect(perceivedDifference('#dc2626', '#16a34a', 'normal')).toBeGreaterThan(60);
    expect(perceivedDifference('#dc2626', '#16a34a', 'deuteranopia')).toBeLessThan(10);
    expect(perceivedDifference('#2563eb', '#f59e0b', 'deuteranopia')).toBeGreaterThan(50);
    expect(perceivedDifference('#2563eb', '#f59e0b', 'protanopia')).toBeGreaterThan(50);
  });

  it('normal vision is the identity', () => {
    fc.assert(
      fc.property(hex, (c) => {
        expect(simulate(c, 'normal')).toBe(c);
      }),
    );
  });
});
