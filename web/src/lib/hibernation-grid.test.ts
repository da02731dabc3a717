import { defaultWeeklyGrid, type WeeklyGrid } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cellLabel,
  dayBlocks,
  moveCell,
  paintRect,
  sameGrid,
  slotRange,
  toggleCell,
} from './hibernation-grid';

const emptyGrid = (): WeeklyGrid => Array.from({ length: 7 }, () => Array(48).fill(false));
const cellArb = fc.record({ day: fc.integer({ min: 0, max: 6 }), slot: fc.integer({ min: 0, max: 47 }) });

describe('cell labels', () => {
  it('name the day, the half hour and the state', () => {
    expect(cellLabel({ day: 0, slot: 16 }, 'active')).toBe('Monday 08:00–08:30, active');
    expect(cellLabel({ day: 6, slot: 47 }, 'sleep')).toBe('Sunday 23:30–24:00, sleep');
    expect(cellLabel({ day: 2, slot: 15 }, 'pre-warm')).toContain('pre-warm');
    expect(slotRange(0)).toBe('00:00–00:30');
  });
});

describe('painting', () => {
  it('paints exactly the rectangle between two corners, in either drag direction', () => {
    fc.assert(
      fc.property(cellArb, cellArb, fc.boolean(), (a, b, value) => {
        const base = defaultWeeklyGrid();
        const painted = paintRect(base, a, b, value);
        expect(sameGrid(painted, paintRect(base, b, a, value))).toBe(true);
        painted.forEach((day, d) => {
          day.forEach((v, s) => {
            const inside =
              d >= Math.min(a.day, b.day) &&
              d <= Math.max(a.day, b.day) &&
              s >= Math.min(a.slot, b.slot) &&
              s <= Math.max(a.slot, b.slot);
            expect(v).toBe(inside ? value : base[d]?.[s]);
          });
        });
      }),
    );
  });

  it('never changes the grid it was given', () => {
    const base = emptyGrid();
    paintRect(base, { day: 0, slot: 0 }, { day: 6, slot: 47 }, true);
    expect(base.flat().some(Boolean)).toBe(false);
  });

  it('toggles one cell and back', () => {
    const once = toggleCell(emptyGrid(), { day: 3, slot: 20 });
    expect(once[3]?.[20]).toBe(true);
    expect(once.flat().filter(Boolean)).toHaveLength(1);
    expect(sameGrid(toggleCell(once, { day: 3, slot: 20 }), emptyGrid())).toBe(true);
  });
});

describe('keyboard moves', () => {
  it('move by one cell and stop at the edges', () => {
    expect(moveCell({ day: 0, slot: 0 }, 'ArrowLeft')).toEqual({ day: 0, slot: 0 });
    expect(moveCell({ day: 0, slot: 0 }, 'ArrowRight')).toEqual({ day: 0, slot: 1 });
    expect(moveCell({ day: 0, slot: 5 }, 'ArrowDown')).toEqual({ day: 1, slot: 5 });
    expect(moveCell({ day: 6, slot: 5 }, 'ArrowDown')).toEqual({ day: 6, slot: 5 });
    expect(moveCell({ day: 3, slot: 5 }, 'End')).toEqual({ day: 3, slot: 47 });
    expect(moveCell({ day: 3, slot: 5 }, 'PageUp')).toEqual({ day: 0, slot: 5 });
    expect(moveCell({ day: 3, slot: 5 }, 'a')).toBeNull();
  });

  it('always stay inside the grid', () => {
    const keys = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];
    fc.assert(
      fc.property(cellArb, fc.array(fc.constantFrom(...keys), { maxLength: 60 }), (start, presses) => {
        let cell = start;
        for (const key of presses) cell = moveCell(cell, key) ?? cell;
        expect(cell.day).toBeGreaterThanOrEqual(0);
        expect(cell.day).toBeLessThanOrEqual(6);
        expect(cell.slot).toBeGreaterThanOrEqual(0);
        expect(cell.slot).toBeLessThanOrEqual(47);
      }),
    );
  });
});

describe('dayBlocks', () => {
  it('summarises the active runs of a day', () => {
    expect(dayBlocks(defaultWeeklyGrid()[0] ?? [])).toEqual(['08:00–19:00']);
    expect(dayBlocks(Array(48).fill(true))).toEqual(['00:00–24:00']);
    expect(dayBlocks(Array(48).fill(false))).toEqual([]);
  });
});
