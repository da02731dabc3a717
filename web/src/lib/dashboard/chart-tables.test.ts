import { describe, expect, it } from 'vitest';
import { fleetTable, heatmapTable, resourceGapTable, stabilityTable } from './chart-tables';

describe('chart tables', () => {
  it('turns the heatmap into 7 weekday rows of 24 hours, each cell its state and activity', () => {
    const grid = Array.from({ length: 7 }, (_, d) =>
      Array.from({ length: 24 }, (_, h) => (h < 8 ? 0.05 : d === 6 ? null : 0.6)),
    );
    const t = heatmapTable({
      clusterId: 'c',
      clusterName: 'dev',
      timeZone: 'Europe/Berlin',
      grid,
      classification: grid.map((row) =>
        row.map((v) => (v === null ? 'no-data' : v < 0.2 ? 'idle' : 'active')),
      ),
      idleThreshold: 0.2,
      idleCellsPerWeek: 56,
      hourlyClusterCostUsd: 1,
      monthlySavingUsd: 10,
      windowStart: '2026-11-01T00:00:00Z',
      windowEnd: '2026-11-29T00:00:00Z',
    });
    expect(t.columns).toHaveLength(25);
    expect(t.rows).toHaveLength(7);
    expect(t.rows[0]?.cells.slice(0, 2)).toEqual(['Monday', 'idle 5%']);
    expect(t.rows[0]?.cells[9]).toBe('active 60%');
    expect(t.rows[6]?.cells[12]).toBe('no data');
    expect(t.caption).toContain('Europe/Berlin');
  });

  it('flattens the sunburst into a tree table with levels', () => {
    const t = fleetTable([
      {
        name: 'On-demand',
        nodes: 3,
        monthlyCostUsd: 300,
        children: [
          {
            name: 'm5',
            nodes: 3,
            monthlyCostUsd: 300,
            children: [{ name: 'm5.large', nodes: 3, monthlyCostUsd: 300 }],
          },
        ],
      },
      { name: 'Spot', nodes: 1, monthlyCostUsd: 20 },
    ]);
    expect(t.rows.map((r) => [r.cells[0], r.level])).toEqual([
      ['On-demand', 0],
      ['m5', 1],
      ['m5.large', 2],
      ['Spot', 0],
    ]);
  });

  it('gives the gauge its value and each component, and the gap its points', () => {
    const s = stabilityTable({
      index: 82,
      level: 'green',
      components: [
        { key: 'spot', label: 'Spot risk', weight: 30, penalty: 12, detail: '40% on spot', value: 0.4 },
      ],
      recent: [],
      clusters: [],
    });
    expect(s.caption).toBe('Stability Index 82 out of 100');
    expect(s.rows[0]?.cells).toEqual(['Spot risk', '12', '30', '40% on spot']);
    const g = resourceGapTable({
      range: '24h',
      resource: 'cpu',
      unit: 'vCPU',
      stepMinutes: 60,
      points: [{ t: '2026-12-01T10:00:00Z', capacity: 16, requested: 9.25, used: null }],
      binPacking: { monthlySavingUsd: 0, withinPctOfBest: null },
    });
    expect(g.rows[0]?.cells.slice(1)).toEqual(['16 vCPU', '9.3 vCPU', 'no data']);
  });
});
