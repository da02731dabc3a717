import { describe, expect, it } from 'vitest';
import { contrastRatio, perceivedDifference, type Vision } from '../colour-vision';
import { colourGroups, gradeTagColor, levelTextColor } from './colors';

/**
 * CIEDE2000 difference every pair of colours that must be told apart keeps, for normal vision and under
 * simulated protanopia and deuteranopia (Machado et al. 2009, severity 1.0). 2.3 is a just noticeable
 * difference side by side; the dashboard's marks are small (2 px lines, 8-10 px dots and cells) and not
 * side by side, where a difference must be several times larger to be seen at a glance.
 */
const minDeltaE = 15;
const visions: Vision[] = ['normal', 'protanopia', 'deuteranopia'];

describe('the dashboard palette under colour blindness', () => {
  for (const group of colourGroups) {
    it(`${group.name}: every pair stays apart (ΔE2000 ≥ ${minDeltaE}) for normal, protan and deutan vision`, () => {
      const tooClose: string[] = [];
      group.colours.forEach((a, i) => {
        for (const b of group.colours.slice(i + 1)) {
          for (const vision of visions) {
            const d = perceivedDifference(a.colour, b.colour, vision);
            if (d < minDeltaE)
              tooClose.push(`${a.label} ${a.colour} / ${b.label} ${b.colour}, ${vision}: ${d.toFixed(1)}`);
          }
        }
      });
      expect(tooClose).toEqual([]);
    });

    it(`${group.name}: WCAG contrast against the background (${group.kind === 'text' ? '4.5' : '3'}:1)`, () => {
      const min = group.kind === 'text' ? 4.5 : 3;
      const exempt = new Set(group.lowContrast?.labels ?? []);
      const low = group.colours
        .filter((c) => !exempt.has(c.label))
        .map((c) => ({ ...c, ratio: contrastRatio(c.colour, c.background) }))
        .filter((c) => c.ratio < min)
        .map((c) => `${c.label} ${c.colour} on ${c.background}: ${c.ratio.toFixed(2)}`);
      expect(low).toEqual([]);
    });
  }

  it('level names keep AA contrast on white, grade letters on their tint', () => {
    for (const level of ['green', 'orange', 'red', null] as const)
      expect(contrastRatio(levelTextColor(level), '#ffffff')).toBeGreaterThanOrEqual(4.5);
    for (const grade of ['A', 'B', 'C', 'D', 'F', null] as const) {
      const { color, textColor } = gradeTagColor(grade);
      expect(contrastRatio(textColor, color)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('the check fails the old red/green pair of the Resource Gap (so it can fail)', () => {
    expect(perceivedDifference('#dc2626', '#16a34a', 'deuteranopia')).toBeLessThan(minDeltaE);
    expect(perceivedDifference('#dc2626', '#16a34a', 'normal')).toBeGreaterThan(minDeltaE);
  });
});
