import type { DashboardHeatmap, DashboardStability, FleetSlice, ResourceGapResponse } from '@spot/shared';
import { formatDateTime, formatNumber, formatUsd } from '../format';

/**
 * Each dashboard chart as a table a screen reader can walk (WCAG 1.1.1 / 1.3.1): the same data the chart
 * draws, in rows. The first cell of a row is its header; `level` indents tree rows (the sunburst).
 */
export interface ChartTable {
  caption: string;
  columns: string[];
  rows: { cells: string[]; level?: number }[];
}

const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const stateWord = { idle: 'idle', active: 'active', 'no-data': 'no data' } as const;

/** The 7 × 24 heatmap: a row per local weekday, a column per hour, each cell its state and activity. */
export function heatmapTable(h: DashboardHeatmap): ChartTable {
  return {
    caption: `Median activity of ${h.clusterName} by weekday and hour (${h.timeZone}); idle below ${Math.round(h.idleThreshold * 100)}%`,
    columns: ['Day', ...Array.from({ length: 24 }, (_, hour) => `${String(hour).padStart(2, '0')}:00`)],
    rows: h.classification.map((states, day) => ({
      cells: [
        weekdays[day] ?? `Day ${day + 1}`,
        ...states.map((state, hour) => {
          const v = h.grid[day]?.[hour];
          return v === null || v === undefined
            ? stateWord[state]
            : `${stateWord[state]} ${Math.round(v * 100)}%`;
        }),
      ],
    })),
  };
}

/** The sunburst as a tree table: capacity type, then family, then instance type, with nodes and cost. */
export function fleetTable(slices: readonly FleetSlice[]): ChartTable {
  const rows: ChartTable['rows'] = [];
  const walk = (list: readonly FleetSlice[], level: number) => {
    for (const s of list) {
      rows.push({ cells: [s.name, formatNumber(s.nodes), formatUsd(s.monthlyCostUsd)], level });
      if (s.children) walk(s.children, level + 1);
    }
  };
  walk(slices, 0);
  return {
    caption: 'Fleet composition: capacity type, instance family and instance type',
    columns: ['Slice', 'Nodes', 'Monthly cost'],
    rows,
  };
}

/** The gauge: its value, then each component with the points it takes off and what was measured. */
export function stabilityTable(s: DashboardStability): ChartTable {
  return {
    caption: `Stability Index ${s.index === null ? 'not measured yet' : `${formatNumber(s.index)} out of 100`}`,
    columns: ['Component', 'Points off', 'Of at most', 'Measured'],
    rows: s.components.map((c) => ({
      cells: [c.label, formatNumber(c.penalty), formatNumber(c.weight), c.detail],
    })),
  };
}

/** The resource-gap lines: a row per time step with capacity, requests and usage. */
export function resourceGapTable(gap: ResourceGapResponse): ChartTable {
  const v = (n: number | null) =>
    n === null ? 'no data' : `${formatNumber(Math.round(n * 10) / 10)} ${gap.unit}`;
  return {
    caption: `${gap.resource === 'cpu' ? 'CPU' : 'Memory'} capacity, requests and usage over ${gap.range}`,
    columns: ['Time', 'Capacity', 'Requested', 'Used'],
    rows: gap.points.map((p) => ({ cells: [formatDateTime(p.t), v(p.capacity), v(p.requested), v(p.used)] })),
  };
}
