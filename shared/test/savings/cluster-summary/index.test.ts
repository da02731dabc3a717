import { describe, expect, it } from 'vitest';
import {
  computeClusterSummary,
  defaultSummaryPolicy,
  type SummaryInput,
} from '../../../src/savings/cluster-summary/index';
import { noLivePrices } from '../../../src/savings/node-pricing';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, smallCluster } from '../snapshot-fixtures';
import { now, rollupSample, smallModel } from './support';

const input = (over: Partial<SummaryInput> = {}): SummaryInput => ({
  model: smallModel(),
  live,
  history: { rollups: [] },
  usage: new Map(),
  policy: defaultSummaryPolicy,
  timeZone: 'UTC',
  binPacking: null,
  now,
  ...over,
});

describe('computeClusterSummary', () => {
  it('composes the sections into schema version 2, stamped with the injected clock', () => {
    const { summary, monthlyRunRateUsd, workloadFigures, nodeGroupFigures } = computeClusterSummary(input());
    expect(summary).toMatchObject({
      schemaVersion: 2,
      computedAt: now.toISOString(),
      snapshotAt: smallModel().snapshot.capturedAt,
      source: 'agent',
      binPacking: null,
      historyWindow: { hour: '2026-07-01T12:00:00.000Z', week: null, recent: [] },
    });
    expect(monthlyRunRateUsd).toBe(summary.cost.monthlyRunRateUsd);
    expect(summary.cost.hourlyCostUsd).toBeCloseTo(0.225, 12);
    // The fleet and the node groups add up to what the cluster costs.
    const byType = Object.values(summary.fleet.byCapacityType).reduce((s, c) => s + c.hourlyCostUsd, 0);
    expect(byType).toBeCloseTo(summary.cost.hourlyCostUsd, 12);
    expect([...nodeGroupFigures.values()].reduce((s, g) => s + g.hourlyCostUsd, 0) + 0.085).toBeCloseTo(
      summary.cost.hourlyCostUsd,
      12,
    );
    // Rightsizing figures land on the workloads' spot figures.
    expect(workloadFigures.get('shop#Deployment#web')).toMatchObject({
      spotReady: true,
      rightsizing: { recommendedCpuMilli: 500 },
    });
    expect(summary.savings.totalMonthlyUsd).toBeLessThanOrEqual(summary.cost.monthlyRunRateUsd);
    // No rollups yet: an empty grid, nothing to hibernate; every node priced, some with metrics: no notes.
    expect(summary.idle).toMatchObject({ samplesUsed: 0, monthlyHibernationSavingsUsd: 0 });
    expect(summary.notes).toEqual([]);
  });

  it('notes unpriced nodes first, then missing metrics', () => {
    const model = buildSnapshotModel(
      { ...smallCluster(), nodes: smallCluster().nodes.map((n) => ({ ...n, usage: null })) },
      'ap-south-2',
      noLivePrices,
    );
    const { summary } = computeClusterSummary(input({ model, live: noLivePrices }));
    expect(summary.cost).toMatchObject({ unpricedNodes: 3, hourlyCostUsd: 0, monthlyRunRateUsd: 0 });
    expect(summary.notes.slice(0, 2)).toEqual([
      '3 node(s) have an instance type with no live or catalog price in ap-south-2; they are not in the run rate.',
      'No usage metrics (metrics-server) in the snapshot: efficiency cannot be graded.',
    ]);
  });

  it('within the hour, reuses the history window and reprices the idle grid', () => {
    const rollups = Array.from({ length: 14 * 24 }, (_, h) => rollupSample(h + 1));
    const first = computeClusterSummary(input({ history: { rollups } })).summary;
    expect(first.idle?.idleCellsPerWeek).toBe(7 * 8);
    expect(first.historyWindow.recent?.length).toBeGreaterThanOrEqual(7);
    const again = computeClusterSummary(
      input({ history: { reuse: { window: first.historyWindow, idle: first.idle } } }),
    ).summary;
    expect(again.historyWindow).toEqual(first.historyWindow);
    expect(again.stability).toEqual(first.stability);
    expect(again.idle).toEqual(first.idle);
  });
});
