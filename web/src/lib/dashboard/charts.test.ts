import { describe, expect, it } from 'vitest';
import {
  activityHeatmapOption,
  escapeHtml,
  fleetSunburstOption,
  fleetTotals,
  gapNow,
  resourceGapOption,
  sparkBars,
  sparklinePoints,
  stabilityGaugeOption,
} from './charts';
import { palette, stabilityLevel } from './colors';
import { dashboardBody, gapBody, heatmap } from './fixtures.testing';

// The builders return plain option objects; the tests read them as loose records.
// biome-ignore lint/suspicious/noExplicitAny: the tests walk ECharts option trees loosely
type Loose = { [key: string]: any };
const asLoose = (value: unknown) => value as Loose;

describe('resourceGapOption', () => {
  it('draws capacity red, requested green and used blue as areas over time', () => {
    const option = asLoose(resourceGapOption(gapBody(), false));
    const series = option.series as Loose[];
    expect(series.map((s) => s.name)).toEqual(['Capacity (allocatable)', 'Requested', 'Used']);
    expect(series.map((s) => s.lineStyle.color)).toEqual([palette.capacity, palette.requested, palette.used]);
    expect(series.every((s) => s.type === 'line' && s.areaStyle)).toBe(true);
    expect(series[0]?.data).toHaveLength(24);
    expect(series[2]?.data[0]).toEqual(['2026-11-25T18:00:00.000Z', null]);
    expect(option.xAxis.type).toBe('time');
    expect(option.yAxis.name).toBe('vCPU');
    expect(option.animation).toBe(false);
  });

  it('leaves out the used line when the source has no usage metrics', () => {
    const gap = gapBody();
    const noUsage = { ...gap, points: gap.points.map((p) => ({ ...p, used: null })) };
    const series = asLoose(resourceGapOption(noUsage)).series as Loose[];
    expect(series.map((s) => s.name)).toEqual(['Capacity (allocatable)', 'Requested']);
  });

  it('formats tooltip values with the unit', () => {
    const option = asLoose(resourceGapOption(gapBody({ unit: 'GiB', resource: 'memory' })));
    expect(option.tooltip.valueFormatter(12.345)).toBe('12.3 GiB');
    expect(option.tooltip.valueFormatter(null)).toBe('—');
  });

  it('reads the latest point and its shares of capacity', () => {
    const now = gapNow(gapBody());
    expect(now?.capacity).toBe(80);
    expect(now?.requestedShare).toBeCloseTo(52 / 80);
    expect(now?.usedShare).toBeCloseTo(41.5 / 80);
    expect(gapNow(gapBody({ points: [] }))).toBeNull();
  });
});

describe('fleet sunburst', () => {
  it('nests capacity type, family and type sized by monthly cost, spot orange and on-demand blue', () => {
    const fleet = dashboardBody().spot.fleet;
    const series = (asLoose(fleetSunburstOption(fleet)).series as Loose[])[0] as Loose;
    expect(series.type).toBe('sunburst');
    const [onDemand, spot] = series.data as Loose[];
    expect(onDemand?.itemStyle.color).toBe(palette.onDemand);
    expect(spot?.itemStyle.color).toBe(palette.spot);
    expect(onDemand?.value).toBe(9_000);
    expect(onDemand?.children[0].name).toBe('m5');
    expect(onDemand?.children[0].children[0]).toEqual({
      name: 'm5.xlarge',
      value: 9_000,
      nodes: 14,
      itemStyle: { color: palette.onDemand },
    });
    expect(spot?.children[0].itemStyle.color).toBe(palette.spot);
  });

  it('escapes names in its tooltip', () => {
    const option = asLoose(fleetSunburstOption([{ name: '<b>x</b>', nodes: 1, monthlyCostUsd: 5 }]));
    const html = option.tooltip.formatter({
      data: { name: '<b>x</b>', value: 5, nodes: 1 },
      treePathInfo: [],
    });
    expect(html).toContain('&#60;b&#62;x&#60;/b&#62;');
    expect(html).toContain('$5.00');
  });

  it('totals the top ring', () => {
    const totals = fleetTotals(dashboardBody().spot.fleet);
    expect(totals.nodes).toBe(20);
    expect(totals.monthlyCostUsd).toBe(12_000);
    expect(totals.byType.map((t) => t.share)).toEqual([0.75, 0.25]);
  });
});

describe('activityHeatmapOption', () => {
  it('has 168 cells coded no-data 0, idle 1, active 2 with Monday on top', () => {
    const option = asLoose(activityHeatmapOption(heatmap()));
    const data = (option.series as Loose[])[0]?.data as Loose[];
    expect(data).toHaveLength(168);
    const cell = (h: number, d: number) => data.find((c) => c.value[0] === h && c.value[1] === d);
    expect(cell(3, 0)?.value[2]).toBe(1);
    expect(cell(3, 0)?.itemStyle.color).toBe(palette.idle);
    expect(cell(12, 2)?.value[2]).toBe(2);
    expect(cell(12, 2)?.itemStyle.color).toBe(palette.active);
    expect(cell(22, 6)?.value.slice(2)).toEqual([0, null]);
    expect(cell(22, 6)?.itemStyle.color).toBe(palette.noData);
    expect(option.yAxis.data[0]).toBe('Mon');
    expect(option.yAxis.inverse).toBe(true);
  });

  it('names the cell, the zone and the median activity in the tooltip', () => {
    const option = asLoose(activityHeatmapOption(heatmap()));
    const html = option.tooltip.formatter({ value: [9, 0, 2, 0.6] });
    expect(html).toContain('Mon 09:00–10:00');
    expect(html).toContain('America/New_York');
    expect(html).toContain('Active');
    expect(html).toContain('60.0%');
  });
});

describe('stability', () => {
  it('levels: green >= 80, orange >= 60, red below', () => {
    expect(stabilityLevel(80)).toBe('green');
    expect(stabilityLevel(79.9)).toBe('orange');
    expect(stabilityLevel(60)).toBe('orange');
    expect(stabilityLevel(59)).toBe('red');
    expect(stabilityLevel(null)).toBeNull();
  });

  it('colors the gauge by level', () => {
    const series = (asLoose(stabilityGaugeOption(72.44, 'orange')).series as Loose[])[0] as Loose;
    expect(series.type).toBe('gauge');
    expect(series.progress.itemStyle.color).toBe(palette.orange);
    expect(series.data[0].value).toBe(72.4);
    expect(series.detail.formatter(72.4)).toBe('72');
  });

  it('scales spark bars to the weight and places them left to right', () => {
    const bars = sparkBars([0, 20, 40], 90, 20, 40);
    expect(bars.map((b) => b.height)).toEqual([0, 10, 20]);
    expect(bars.map((b) => b.y)).toEqual([20, 10, 0]);
    expect(bars[1]?.x).toBeGreaterThan(bars[0]?.x ?? 0);
    expect(sparkBars([], 90, 20, 40)).toEqual([]);
  });

  it('maps sparkline values to the box', () => {
    expect(sparklinePoints([0, 50, 100], 100, 20)).toBe('0.0,20.0 50.0,10.0 100.0,0.0');
    expect(sparklinePoints([50], 100, 20)).toBe('50.0,10.0');
  });
});

describe('escapeHtml', () => {
  it('escapes markup characters', () => {
    expect(escapeHtml(`a<b>&"'`)).toBe('a&#60;b&#62;&#38;&#34;&#39;');
  });
});
