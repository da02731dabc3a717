import type { ClusterSnapshot } from '@spot/shared';
import { loadCatalog } from '@spot/shared/pricing/index';
import { estimateBinPacking } from '@spot/shared/savings/bin-packing';
import {
  computeClusterSummary,
  defaultSummaryPolicy,
  type RollupSample,
} from '@spot/shared/savings/cluster-summary/index';
import { noLivePrices } from '@spot/shared/savings/node-pricing';
import { hourRollupOf } from '@spot/shared/savings/rollups';
import { buildSnapshotModel } from '@spot/shared/savings/snapshot-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';

const now = new Date('2026-07-01T12:00:00.000Z');
let snapshot: ClusterSnapshot;

beforeAll(async () => {
  snapshot = await fixtureSnapshot({ now });
});

const catalog = loadCatalog();
const onDemand = (type: string) => catalog.onDemandHourlyUsd(type, 'us-east-1')?.hourlyUsd ?? Number.NaN;
const spot = (type: string) => catalog.spotHourlyEstimateUsd(type, 'us-east-1')?.hourlyUsd ?? Number.NaN;

describe('snapshot model', () => {
  it('prices nodes from the catalog when no live price is known, and attaches pods to workloads and PDBs', () => {
    const model = buildSnapshotModel(snapshot, 'us-east-1', noLivePrices);
    expect(model.nodes.map((n) => [n.price.priceSource, n.price.hourlyPriceUsd])).toEqual([
      ['catalog', onDemand('m5.xlarge')],
      ['catalog', spot('m5.xlarge')],
      ['catalog', onDemand('g4dn.xlarge')],
    ]);
    expect(model.nodes.map((n) => n.nodeGroup?.id)).toEqual([
      'mng-general',
      'mng-spot-general',
      'karpenter-gpu',
    ]);
    expect(model.workloads.map((w) => w.key)).toEqual([
      'db#StatefulSet#postgres',
      'kube-system#DaemonSet#aws-node',
      'ml#Job#trainer',
      'shop#Deployment#api',
      'shop#Deployment#web',
    ]);
    const web = model.workloads.find((w) => w.key === 'shop#Deployment#web');
    expect(web).toMatchObject({
      requestCpuMilli: 600,
      requestMemoryMiB: 640,
      usedCpuMilli: 229,
      hpaScaledResources: ['cpu'],
    });
    expect(web?.pods.map((p) => p.pdbName)).toEqual(['web', 'web']);
    // A node in a region with neither a live nor a catalog price is unknown, never $0.
    const elsewhere = buildSnapshotModel(snapshot, 'ap-south-2', noLivePrices);
    expect(
      elsewhere.nodes.every((n) => n.price.priceSource === 'unknown' && n.price.hourlyPriceUsd === null),
    ).toBe(true);
  });

  it('rolls the snapshot up into its hour: capacity, requests, usage, fleet mix, cost and the hour’s events', () => {
    const r = hourRollupOf(buildSnapshotModel(snapshot, 'us-east-1', noLivePrices));
    expect(r).toMatchObject({
      hour: '2026-07-01T12:00:00.000Z',
      capacityCpuMilli: 3 * 3920,
      nodesByCapacityType: { 'on-demand': 2, spot: 1 },
      nodesByFamily: { m5: 2, g4dn: 1 },
      usageKnown: true,
      pressureEvents: 0,
    });
    // Requests of scheduled pods only (the pending api pod holds no node yet).
    expect(r.requestedCpuMilli).toBe(300 + 300 + 1000 + 2000 + 3 * 25);
    expect(r.hourlyCostUsd).toBeCloseTo(
      onDemand('m5.xlarge') + spot('m5.xlarge') + onDemand('g4dn.xlarge'),
      9,
    );
    const earlier = hourRollupOf(
      buildSnapshotModel({ ...snapshot, capturedAt: '2026-07-01T11:59:00.000Z' }, 'us-east-1', noLivePrices),
    );
    expect(earlier).toMatchObject({ pressureEvents: 3, spotInterruptions: 1, oomKills: 1 });
  });
});

describe('cluster summary', () => {
  const summarize = async (rollups: RollupSample[] = []) => {
    const model = buildSnapshotModel(snapshot, 'us-east-1', noLivePrices);
    const binPacking = await estimateBinPacking(model, noLivePrices, { timeLimitMs: 200 });
    return computeClusterSummary({
      model,
      live: noLivePrices,
      history: { rollups },
      usage: new Map(),
      policy: defaultSummaryPolicy,
      timeZone: 'Europe/Berlin',
      binPacking,
      now,
    });
  };

  it('computes run rate, fleet mix, efficiency and the spot readiness of the workloads', async () => {
    const { summary, workloadFigures } = await summarize();
    const hourly = onDemand('m5.xlarge') + spot('m5.xlarge') + onDemand('g4dn.xlarge');
    expect(summary.cost.monthlyRunRateUsd).toBeCloseTo(hourly * 730, 9);
    expect(summary.cost.bySource.catalog.nodeCount).toBe(3);
    expect(summary.fleet.byCapacityType.spot.nodes).toBe(1);
    expect(summary.efficiency).toMatchObject({ basis: 'metrics-server', nodeCount: 3 });
    expect(summary.efficiency.grade).toMatch(/^[A-F]$/);
    // Eligible: 2 web pods, postgres, trainer (DaemonSet pods are not; the pending pod has no node).
    expect(summary.spot).toMatchObject({
      eligibleCount: 4,
      readyCount: 3,
      scoreByCount: 0.75,
      alreadyOnSpotCount: 1,
    });
    expect(summary.spot.monthlySavingUsd).toBeGreaterThan(0);
    expect(summary.spot.topBlockers).toEqual([
      expect.objectContaining({ key: 'db#StatefulSet#postgres', rule: 'not-replicated-controller' }),
    ]);
    expect(summary.spot.topCandidates.map((c) => c.key)).toContain('shop#Deployment#web');
    expect(workloadFigures.get('shop#Deployment#web')).toMatchObject({ spotReady: true, spotReason: null });
    expect(workloadFigures.get('kube-system#DaemonSet#aws-node')).toMatchObject({
      spotEligible: false,
      spotReason: 'daemonset',
    });
  });

  it('leaves an HPA-scaled resource alone in rightsizing and never claims more than the run rate', async () => {
    const { summary, workloadFigures } = await summarize();
    const web = workloadFigures.get('shop#Deployment#web')?.rightsizing;
    expect(web?.recommendedCpuMilli).toBe(300);
    expect(summary.savings.totalMonthlyUsd).toBeLessThanOrEqual(summary.cost.monthlyRunRateUsd);
    expect(summary.savings.steps.map((s) => s.source)).toEqual([
      'hibernation',
      'bin-packing',
      'spot',
      'rightsizing',
    ]);
  });

  it('marks exempt workloads Unmanaged: their cost stays in the run rate, no section counts a saving for them', async () => {
    const model = buildSnapshotModel(snapshot, 'us-east-1', noLivePrices);
    const exemptions = { namespaces: ['db'], labels: [{ key: 'app', value: 'web' }] };
    const binPacking = await estimateBinPacking(model, noLivePrices, { timeLimitMs: 200, exemptions });
    const exempt = computeClusterSummary({
      model,
      live: noLivePrices,
      history: { rollups: [] },
      usage: new Map(),
      policy: { ...defaultSummaryPolicy, exemptions },
      timeZone: 'Europe/Berlin',
      binPacking,
      now,
    });
    const managed = await summarize();
    expect(exempt.workloadFigures.get('shop#Deployment#web')?.unmanagedReason).toBe(
      'label app=web is excluded',
    );
    expect(exempt.workloadFigures.get('db#StatefulSet#postgres')?.unmanagedReason).toBe(
      'namespace db is excluded',
    );
    expect(exempt.workloadFigures.get('shop#Deployment#api')?.unmanagedReason).toBeNull();
    const cost = (key: string) => model.workloads.find((w) => w.key === key)?.hourlyCostUsd ?? Number.NaN;
    expect(exempt.summary.unmanaged).toEqual({
      workloadCount: 2,
      nodeCount: 0,
      monthlyCostUsd: expect.closeTo(
        (cost('shop#Deployment#web') + cost('db#StatefulSet#postgres')) * 730,
        9,
      ),
    });
    expect(managed.summary.unmanaged).toEqual({ workloadCount: 0, nodeCount: 0, monthlyCostUsd: 0 });
    // In the spend, out of every saving: spot, rightsizing, bin packing (their nodes stay as they are).
    expect(exempt.summary.cost.monthlyRunRateUsd).toBe(managed.summary.cost.monthlyRunRateUsd);
    expect(exempt.summary.spot.topCandidates.map((c) => c.key)).not.toContain('shop#Deployment#web');
    expect(exempt.workloadFigures.get('shop#Deployment#web')).toMatchObject({
      spotReason: 'exempt',
      rightsizing: null,
    });
    expect(exempt.summary.rightsizing.monthlySavingUsd).toBeLessThanOrEqual(
      managed.summary.rightsizing.monthlySavingUsd,
    );
    // The web and postgres pods run on the first two nodes: both are kept, only the GPU node can change.
    expect(binPacking?.pinnedNodes).toBe(2);
    expect(exempt.summary.savings.totalMonthlyUsd).toBeLessThanOrEqual(
      managed.summary.savings.totalMonthlyUsd + 1e-9,
    );
  });

  it('grades stability from the snapshot’s pressure events without history, from the rollups with it', async () => {
    const { summary } = await summarize();
    expect(summary.stability.pressure.penalty).toBe(40);
    const quiet: RollupSample[] = Array.from({ length: 14 * 24 }, (_, h) => ({
      hour: new Date(now.getTime() - (h + 1) * 3_600_000).toISOString(),
      capacityCpuMilli: 11_760,
      usedCpuMilli: h % 24 < 8 ? 500 : 6000,
      usageKnown: true,
      podChurn: 0,
      apiRequestRate: 0,
      pressureEvents: 0,
      nodesByCapacityType: { 'on-demand': 2, spot: 1 },
    }));
    const withHistory = (await summarize(quiet)).summary;
    expect(withHistory.stability.pressure.penalty).toBe(0);
    expect(withHistory.historyWindow.week).toMatchObject({
      windowDays: 7,
      nodeCount: 3,
      pressureEventCount: 0,
    });
    // 8 quiet hours a day for two weeks: those hour-of-week cells are idle, priced at the run rate.
    expect(withHistory.idle?.idleCellsPerWeek).toBe(7 * 8);
    expect(withHistory.idle?.monthlyHibernationSavingsUsd).toBeCloseTo(
      (withHistory.cost.hourlyCostUsd * (withHistory.idle?.idleCellsPerWeek ?? 0) * 52) / 12,
      9,
    );
  });

  it('breaks the fleet down to instance types (v2) and keeps daily stability of the last 7 days', async () => {
    const { summary } = await summarize();
    expect(summary.schemaVersion).toBe(2);
    expect(
      summary.fleet.byInstanceType.map((t) => [t.capacityType, t.family, t.instanceType, t.nodes]),
    ).toEqual(
      expect.arrayContaining([
        ['on-demand', 'm5', 'm5.xlarge', 1],
        ['spot', 'm5', 'm5.xlarge', 1],
        ['on-demand', 'g4dn', 'g4dn.xlarge', 1],
      ]),
    );
    // Per family, the types add up to the family row.
    for (const f of summary.fleet.byFamily) {
      const types = summary.fleet.byInstanceType.filter(
        (t) => t.capacityType === f.capacityType && t.family === f.family,
      );
      expect(types.reduce((s, t) => s + t.hourlyCostUsd, 0)).toBeCloseTo(f.hourlyCostUsd, 9);
    }
    expect(summary.stability.recent).toEqual([]);
    const week: RollupSample[] = Array.from({ length: 7 * 24 }, (_, h) => ({
      hour: new Date(now.getTime() - (h + 1) * 3_600_000).toISOString(),
      capacityCpuMilli: 11_760,
      usedCpuMilli: 3000,
      usageKnown: true,
      podChurn: 0,
      apiRequestRate: 0,
      pressureEvents: h === 30 ? 3 : 0,
      apiLatencyP99Ms: 1500,
      nodesByCapacityType: { 'on-demand': 2, spot: 1 },
    }));
    const recent = (await summarize(week)).summary.stability.recent;
    expect(recent.length).toBeGreaterThanOrEqual(7);
    expect(recent.every((d) => d.latencyPenalty === 7.5 && d.nodeCount === 3)).toBe(true);
    // The day with the 3 pressure events costs points; the others none.
    expect(recent.filter((d) => d.pressurePenalty > 0)).toHaveLength(1);
  });

  it('packs the same pods no dearer than today, above its proven bound, keeping GPU pods on GPU nodes', async () => {
    const { summary } = await summarize();
    const p = summary.binPacking;
    expect(p).not.toBeNull();
    expect(p?.planHourlyCostUsd).toBeLessThanOrEqual(
      (p?.currentHourlyCostUsd ?? 0) + onDemand('m5.xlarge') + 1e-9,
    );
    expect(p?.lowerBoundHourlyCostUsd).toBeLessThanOrEqual((p?.planHourlyCostUsd ?? 0) + 1e-9);
    expect(p?.plan.find((b) => b.instanceType === 'g4dn.xlarge')).toMatchObject({
      count: 1,
      capacityType: 'on-demand',
    });
  });
});
