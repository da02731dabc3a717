import type { DashboardHeatmap, FleetSlice, ResourceGapResponse } from '@spot/shared';
import { stabilityLevelMinIndex } from '@spot/shared/savings/stability';
import type { ChartOption } from '../../charts/echarts';
import { formatNumber, formatPercent, formatUsd } from '../format';
import { capacityTypeColor, levelBand, levelColor, palette, type StabilityLevel } from './colors';
import { cellCode, cellColor, cellLabel, weekdays } from './heatmap';

// ECharts option builders of the dashboard widgets: pure functions of the API's data, unit-tested. The
// components only pass the result to <VChart>.

/** Escapes text put into ECharts' HTML tooltips (names come from customer clusters). */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const axisLabelColor = '#475569';
const splitLineColor = '#e2e8f0';

type GapKey = 'capacity' | 'requested' | 'used';
const gapSeries: { key: GapKey; name: string; color: string }[] = [
  { key: 'capacity', name: 'Capacity (allocatable)', color: palette.capacity },
  { key: 'requested', name: 'Requested', color: palette.requested },
  { key: 'used', name: 'Used', color: palette.used },
];

/** Capacity (red), requested (teal) and used (blue) over time: the gap above teal is paid-for empty space. */
export function resourceGapOption(gap: ResourceGapResponse, animation = true): ChartOption {
  const digits = gap.unit === 'GiB' ? 1 : 2;
  const fmt = (v: unknown) =>
    typeof v === 'number'
      ? `${v.toLocaleString('en-US', { maximumFractionDigits: digits })} ${gap.unit}`
      : '—';
  const hasUsed = gap.points.some((p) => p.used !== null);
  return {
    animation,
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: fmt },
    xAxis: {
      type: 'time',
      axisLabel: { color: axisLabelColor, hideOverlap: true },
      axisLine: { lineStyle: { color: splitLineColor } },
    },
    yAxis: {
      type: 'value',
      name: gap.unit,
      nameTextStyle: { color: axisLabelColor, align: 'right' },
      axisLabel: { color: axisLabelColor },
      splitLine: { lineStyle: { color: splitLineColor } },
    },
    series: gapSeries
      .filter((s) => s.key !== 'used' || hasUsed)
      .map((s) => ({
        type: 'line' as const,
        name: s.name,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { color: s.color, width: 2 },
        itemStyle: { color: s.color },
        areaStyle: { color: s.color, opacity: s.key === 'capacity' ? 0.1 : 0.16 },
        emphasis: { disabled: true },
        data: gap.points.map((p) => [p.t, p[s.key]]),
      })),
  };
}

/** The latest point of the series, and how much of the capacity is requested and used there. */
export function gapNow(gap: ResourceGapResponse) {
  const last = gap.points.at(-1);
  if (!last) return null;
  return {
    ...last,
    requestedShare: last.capacity > 0 ? last.requested / last.capacity : null,
    usedShare: last.capacity > 0 && last.used !== null ? last.used / last.capacity : null,
  };
}

interface SunburstNode {
  name: string;
  value: number;
  nodes: number;
  itemStyle?: { color: string };
  children?: SunburstNode[];
}

const toSunburstNode = (slice: FleetSlice, color: string): SunburstNode => ({
  name: slice.name,
  value: slice.monthlyCostUsd,
  nodes: slice.nodes,
  // Every ring keeps its capacity type's color (lighter outwards, see `levels`), so spot stays orange.
  itemStyle: { color },
  ...(slice.children?.length ? { children: slice.children.map((c) => toSunburstNode(c, color)) } : {}),
});

/** Capacity type -> instance family -> instance type, each arc sized by its monthly cost. */
export function fleetSunburstOption(fleet: readonly FleetSlice[], animation = true): ChartOption {
  return {
    animation,
    tooltip: {
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const data = (p?.data ?? {}) as Partial<SunburstNode>;
        const path = (p as { treePathInfo?: { name: string }[] } | undefined)?.treePathInfo
          ?.map((n) => n.name)
          .filter(Boolean)
          .join(' › ');
        return [
          `<strong>${escapeHtml(path || data.name || '')}</strong>`,
          `Monthly run rate: ${formatUsd(data.value)}`,
          `Nodes: ${formatNumber(data.nodes)}`,
        ].join('<br/>');
      },
    },
    series: [
      {
        type: 'sunburst',
        radius: ['12%', '95%'],
        sort: undefined,
        nodeClick: false,
        emphasis: { focus: 'ancestor' },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
        label: { color: '#0f172a', fontSize: 11, minAngle: 12 },
        levels: [
          {},
          { r0: '12%', r: '40%', label: { rotate: 0, fontWeight: 'bold', color: '#fff' } },
          { r0: '40%', r: '68%', itemStyle: { opacity: 0.8 }, label: { rotate: 'radial' } },
          { r0: '68%', r: '95%', itemStyle: { opacity: 0.6 }, label: { rotate: 'radial', fontSize: 10 } },
        ],
        data: fleet.map((slice) => toSunburstNode(slice, capacityTypeColor(slice.name))),
      },
    ],
  };
}

/** Cost and node totals of the fleet's top ring (capacity types). */
export function fleetTotals(fleet: readonly FleetSlice[]) {
  const cost = fleet.reduce((sum, s) => sum + s.monthlyCostUsd, 0);
  return {
    monthlyCostUsd: cost,
    nodes: fleet.reduce((sum, s) => sum + s.nodes, 0),
    byType: fleet.map((s) => ({
      name: s.name,
      nodes: s.nodes,
      monthlyCostUsd: s.monthlyCostUsd,
      share: cost > 0 ? s.monthlyCostUsd / cost : null,
      color: capacityTypeColor(s.name),
    })),
  };
}

const stateLabel = { 0: 'No data', 1: 'Idle (blue zone)', 2: 'Active' } as const;

/** The 24 x 7 activity grid in the cluster's time zone: red active, blue idle, grey no data. */
export function activityHeatmapOption(heatmap: DashboardHeatmap, animation = true): ChartOption {
  const data: { value: [number, number, number, number | null]; itemStyle: { color: string } }[] = [];
  heatmap.classification.forEach((row, day) => {
    row.forEach((state, hour) => {
      data.push({
        value: [hour, day, cellCode[state], heatmap.grid[day]?.[hour] ?? null],
        itemStyle: { color: cellColor[state] },
      });
    });
  });
  return {
    animation,
    grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const [hour, day, code, activity] = (p?.value ?? []) as [number, number, 0 | 1 | 2, number | null];
        return [
          `<strong>${cellLabel(day, hour)}</strong> (${escapeHtml(heatmap.timeZone)})`,
          stateLabel[code] ?? '',
          `Median activity: ${activity === null ? 'no samples' : formatPercent(activity, 1)}`,
        ].join('<br/>');
      },
    },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
      splitArea: { show: false },
      axisTick: { show: false },
      axisLine: { show: false },
      axisLabel: { color: axisLabelColor, interval: 1 },
    },
    yAxis: {
      type: 'category',
      data: [...weekdays],
      inverse: true,
      axisTick: { show: false },
      axisLine: { show: false },
      axisLabel: { color: axisLabelColor },
    },
    series: [
      {
        type: 'heatmap',
        data,
        itemStyle: { borderColor: '#fff', borderWidth: 2, borderRadius: 3 },
        emphasis: { itemStyle: { borderColor: '#0f172a', borderWidth: 1 } },
      },
    ],
  };
}

/** The 0-100 stability gauge, colored by level, with the orange and red bands on its track. */
export function stabilityGaugeOption(
  index: number,
  level: StabilityLevel | null,
  animation = true,
): ChartOption {
  const color = levelColor(level);
  return {
    animation,
    series: [
      {
        type: 'gauge',
        min: 0,
        max: 100,
        startAngle: 210,
        endAngle: -30,
        radius: '92%',
        center: ['50%', '58%'],
        progress: { show: true, width: 14, itemStyle: { color } },
        axisLine: {
          lineStyle: {
            width: 14,
            // Band ends as fractions of the 0-100 track, at the savings engine's level thresholds.
            color: [
              [stabilityLevelMinIndex('orange') / 100, levelBand.red],
              [stabilityLevelMinIndex('green') / 100, levelBand.orange],
              [1, levelBand.green],
            ],
          },
        },
        pointer: { show: false },
        axisTick: { show: false },
        splitLine: { show: true, distance: -14, length: 14, lineStyle: { color: '#fff', width: 2 } },
        splitNumber: 5,
        axisLabel: { distance: 20, color: axisLabelColor, fontSize: 10 },
        anchor: { show: false },
        title: { show: false },
        detail: {
          valueAnimation: false,
          offsetCenter: [0, '0%'],
          fontSize: 36,
          fontWeight: 'bold',
          color,
          formatter: (v: number) => String(Math.round(v)),
        },
        data: [{ value: Math.round(index * 10) / 10, name: 'Stability Index' }],
      },
    ],
  };
}

export interface SparkBar {
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
}

/** Bars of a small inline chart: `values` scaled to `max` in a width x height box, oldest left. */
export function sparkBars(values: readonly number[], width: number, height: number, max: number): SparkBar[] {
  if (values.length === 0) return [];
  const slot = width / values.length;
  const barWidth = Math.max(1, slot * 0.7);
  const top = max > 0 ? max : Math.max(...values, 1);
  return values.map((value, i) => {
    const h = Math.max(value > 0 ? 1 : 0, (Math.min(value, top) / top) * height);
    return { x: i * slot + (slot - barWidth) / 2, y: height - h, width: barWidth, height: h, value };
  });
}

/** Points of an inline polyline ("x,y x,y"), values in [min, max] mapped to the box, oldest left. */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number,
  min = 0,
  max = 100,
): string {
  if (values.length === 0) return '';
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => {
      const y = height - ((Math.min(Math.max(v, min), max) - min) / span) * height;
      return `${(values.length > 1 ? i * step : width / 2).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
