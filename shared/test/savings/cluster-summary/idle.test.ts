import { describe, expect, it } from 'vitest';
import {
  compactGrid,
  historyOf,
  idleGridOf,
  repricedIdle,
  weekWindowOf,
} from '../../../src/savings/cluster-summary/idle';
import { now, rollupSample as sample } from './support';

describe('week window', () => {
  it('reads the last 7 days only: days = rollups / 24, mean nodes, pressure events summed', () => {
    const rollups = [
      ...Array.from({ length: 48 }, (_, h) =>
        sample(h + 1, {
          pressureEvents: h === 3 ? 2 : 0,
          nodesByCapacityType: { 'on-demand': h % 2 ? 4 : 2 },
        }),
      ),
      sample(8 * 24, { pressureEvents: 9 }),
    ];
    expect(weekWindowOf(rollups, now)).toEqual({ windowDays: 2, nodeCount: 3, pressureEventCount: 2 });
    expect(weekWindowOf([sample(1)], now)).toEqual({
      windowDays: 1 / 24,
      nodeCount: 3,
      pressureEventCount: 0,
    });
    expect(weekWindowOf([sample(8 * 24)], now)).toBeNull();
  });
});

describe('idle grid', () => {
  const rollups = Array.from({ length: 14 * 24 }, (_, h) => sample(h + 1));

  it('finds the quiet hours and prices them: hourly cost x idle cells x 52 / 12 a month', () => {
    const { idle, note } = idleGridOf(rollups, 'UTC', 0.5, now);
    expect(note).toBeNull();
    expect(idle?.idleCellsPerWeek).toBe(7 * 8);
    expect(idle?.monthlyHibernationSavingsUsd).toBeCloseTo((0.5 * 56 * 52) / 12, 9);
    expect(idle?.grid.flat().every((v) => v === null || Math.round(v * 1000) / 1000 === v)).toBe(true);
  });

  it('gives the engine’s message instead of a grid it cannot compute', () => {
    const { idle, note } = idleGridOf(rollups, 'Mars/Olympus', 0.5, now);
    expect(idle).toBeNull();
    expect(note).toContain('Mars/Olympus');
  });

  it('reprices a reused grid at the current hourly cost', () => {
    const idle = idleGridOf(rollups, 'UTC', 0.5, now).idle;
    const repriced = repricedIdle(idle, 0.2);
    expect(repriced).toMatchObject({ hourlyClusterCostUsd: 0.2, grid: idle?.grid });
    expect(repriced?.monthlyHibernationSavingsUsd).toBeCloseTo((0.2 * 56 * 52) / 12, 9);
    expect(repricedIdle(null, 0.2)).toBeNull();
  });

  it('compactGrid rounds the cells to 3 decimals and keeps the gaps', () => {
    const grid = idleGridOf(rollups, 'UTC', 0.5, now).idle;
    if (!grid) throw new Error('grid expected');
    const raw = { ...grid, grid: [[0.123456, null, 0.9999]] };
    expect(compactGrid(raw).grid).toEqual([[0.123, null, 1]]);
  });
});

describe('historyOf', () => {
  it('computes from the rollups in the hour they were read, else reuses the window and reprices the grid', () => {
    const rollups = Array.from({ length: 14 * 24 }, (_, h) => sample(h + 1));
    const read = historyOf({ rollups }, 'UTC', 0.5, now);
    expect(read.window).toEqual({ hour: '2026-07-01T12:00:00.000Z', week: weekWindowOf(rollups, now) });
    expect(read.rollups).toBe(rollups);
    const reused = historyOf({ reuse: { window: read.window, idle: read.idle } }, 'UTC', 0.25, now);
    expect(reused).toEqual({
      idle: repricedIdle(read.idle, 0.25),
      window: read.window,
      rollups: null,
      note: null,
    });
  });
});
