import { describe, expect, it } from 'vitest';
import { heatmap } from './fixtures.testing';
import { blueZones, type CellState, cellCounts, cellLabel, formatDays } from './heatmap';

describe('formatDays', () => {
  it('writes consecutive days as ranges', () => {
    expect(formatDays([0, 1, 2, 3, 4])).toBe('Mon–Fri');
    expect(formatDays([5, 6])).toBe('Sat, Sun');
    expect(formatDays([0, 2, 3, 4, 6])).toBe('Mon, Wed–Fri, Sun');
    expect(formatDays([3])).toBe('Thu');
  });
});

describe('blueZones', () => {
  it('groups the same idle hours across days, largest first', () => {
    const zones = blueZones(heatmap().classification);
    expect(zones.map((z) => z.label)).toEqual(['Mon–Fri 00:00–07:00', 'Sat all day', 'Sun 00:00–20:00']);
    expect(zones.map((z) => z.cells)).toEqual([35, 24, 20]);
  });

  it('is empty for a week without idle hours', () => {
    const busy: CellState[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 'active'));
    expect(blueZones(busy)).toEqual([]);
  });

  it('ends a zone at 24:00 when it runs to midnight', () => {
    const grid: CellState[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 'active'));
    for (let h = 20; h < 24; h++) (grid[2] as CellState[])[h] = 'idle';
    expect(blueZones(grid)[0]?.label).toBe('Wed 20:00–24:00');
  });
});

describe('cells', () => {
  it('counts cells by state', () => {
    expect(cellCounts(heatmap().classification)).toEqual({ idle: 79, active: 85, 'no-data': 4 });
  });

  it('labels a cell with its local weekday and hour', () => {
    expect(cellLabel(0, 9)).toBe('Mon 09:00–10:00');
    expect(cellLabel(6, 23)).toBe('Sun 23:00–24:00');
  });
});
