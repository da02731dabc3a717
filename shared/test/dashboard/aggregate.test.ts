import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDashboard,
  buildResourceGap,
  type DashboardClusterInput,
  dashboardLimits,
  dataVersionOf,
  scanOf,
} from '../../src/dashboard/aggregate';
import { dailyStability } from '../../src/dashboard/stability-recent';
import { parseSummaryView } from '../../src/dashboard/summary-view';
import { dashboardResponseSchema, resourceGapResponseSchema } from '../../src/model/dashboard';
import { HOURS_PER_MONTH } from '../../src/savings/cost';
import { clusterEfficiency, fleetEfficiency } from '../../src/savings/efficiency';
import { stabilityIndex } from '../../src/savings/stability';
import { combineSavings, SAVINGS_OVERLAP_RULE } from '../../src/savings/summary';

const now = new Date('2026-07-01T12:00:00.000Z');
const usd = fc.double({ min: 0, max: 50_000, noNaN: true, noDefaultInfinity: true });
const types = ['m5.large', 'm5.xlarge', 'c6i.2xlarge', 'r7g.large', 'g4dn.xlarge'];

/**
 * A cluster whose stored summary is built by the real savings engine from arbitrary inputs, as
 * `computeClusterSummary` stores it (the parts the dashboard reads).
 */
const clusterArb = fc
  .record({
    id: fc.integer({ min: 0, max: 1e9 }),
    account: fc.constantFrom('acct-1', 'acct-2', 'acct-3'),
    nodes: fc.array(
      fc.record({
        type: fc.constantFrom(...types),
        spot: fc.boolean(),
        price: fc.option(fc.double({ min: 0.01, max: 5, noNaN: true }), { nil: null, freq: 5 }),
        cpuUsed: fc.integer({ min: 0, max: 4000 }),
        memUsed: fc.integer({ min: 0, max: 16_000 }),
      }),
      { minLength: 0, maxLength: 12 },
    ),
    hibernation: usd,
    binPacking: fc.option(usd, { nil: null }),
    spotSaving: usd,
    rightsizing: usd,
    pressureEvents: fc.integer({ min: 0, max: 40 }),
    latencyMs: fc.option(fc.integer({ min: 50, max: 5000 }), { nil: null }),
    synced: fc.boolean(),
  })
  .map((c): DashboardClusterInput => {
    const priced = c.nodes.filter((n) => n.price !== null);
    const hourly = priced.reduce((s, n) => s + (n.price ?? 0), 0);
    const runRate = hourly * HOURS_PER_MONTH;
    const savings = combineSavings({
      monthlyRunRateUsd: runRate,
      hibernationMonthlyUsd: c.hibernation,
      binPackingMonthlyUsd: c.binPacking ?? 0,
      spotMonthlyUsd: c.spotSaving,
      rightsizingMonthlyUsd: c.rightsizing,
    });
    const efficiency = clusterEfficiency(
      priced.map((n) => ({
        hourlyPriceUsd: n.price ?? 0,
        cpuUsedMilli: n.cpuUsed,
        cpuAllocatableMilli: 4000,
        memoryUsedMiB: n.memUsed,
        memoryAllocatableMiB: 16_000,
      })),
    );
    const stability = stabilityIndex({
      windowDays: 7,
      nodeCount: c.nodes.length,
      pressureEventCount: c.pressureEvents,
      nodes: c.nodes.map((n) => ({
        capacityType: n.spot ? 'spot' : 'on-demand',
        allocatableCpuMilli: 4000,
        monthlyInterruptionProbability: n.spot ? 0.075 : null,
      })),
      controlPlaneLatencyP99Ms: c.latencyMs,
    });
    const byType = new Map<
      string,
      { capacityType: string; family: string; instanceType: string; nodes: number; hourlyCostUsd: number }
    >();
    for (const n of c.nodes) {
      const capacityType = n.spot ? 'spot' : 'on-demand';
      const key = `${capacityType}/${n.type}`;
      const row = byType.get(key) ?? {
        capacityType,
        family: n.type.split('.')[0] ?? '',
        instanceType: n.type,
        nodes: 0,
        hourlyCostUsd: 0,
      };
      row.nodes += 1;
      row.hourlyCostUsd += n.price ?? 0;
      byType.set(key, row);
    }
    const summary = {
      computedAt: now.toISOString(),
      capacity: {
        cpuMilli: 4000 * c.nodes.length,
        memoryMiB: 16_000 * c.nodes.length,
        requestedCpuMilli: 0,
        requestedMemoryMiB: 0,
        usedCpuMilli: null,
        usedMemoryMiB: null,
      },
      cost: { hourlyCostUsd: hourly, monthlyRunRateUsd: runRate },
      fleet: { byFamily: [], byInstanceType: [...byType.values()] },
      efficiency: { ...efficiency, basis: priced.length ? 'metrics-server' : 'unavailable' },
      spot: null,
      idle: null,
      stability: { ...stability, windowDays: 7, pressureEventCount: c.pressureEvents, recent: [] },
      rightsizing: { monthlySavingUsd: c.rightsizing },
      binPacking:
        c.binPacking === null
          ? null
          : {
              currentHourlyCostUsd: hourly,
              planHourlyCostUsd: hourly * 0.8,
              lowerBoundHourlyCostUsd: hourly * 0.7,
              monthlySavingUsd: c.binPacking,
              nodesNow: c.nodes.length,
              nodesInPlan: c.nodes.length,
            },
      savings,
      notes: [],
    };
    return {
      clusterId: `eks-${c.id}`,
      name: `cluster-${c.id}`,
      accountId: c.account,
      accountName: c.account.toUpperCase(),
      region: 'us-east-1',
      kubernetesVersion: '1.30',
      nodeCount: c.nodes.length,
      podCount: 0,
      monthlyRunRateUsd: runRate,
      timeZone: 'UTC',
      tags: {},
      lastSyncedAt: c.synced ? now.toISOString() : null,
      collection: { status: 'ok', reason: null, source: 'sandbox' },
      summary: c.synced ? parseSummaryView(summary) : null,
    };
  });

const fleetArb = fc.uniqueArray(clusterArb, { selector: (c) => c.clusterId, maxLength: 12 });
const close = (x: number, y: number) =>
  expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x), Math.abs(y)));

describe('buildDashboard (properties over engine-computed summaries)', () => {
  it('parses with the contract; incremental savings sum to the total, which never exceeds the run rate', () => {
    fc.assert(
      fc.property(fleetArb, (clusters) => {
        const d = dashboardResponseSchema.parse(
          buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now }),
        );
        const p = d.summary.potentialSavings;
        close(
          p.binPackingMonthlyUsd + p.spotMonthlyUsd + p.hibernationMonthlyUsd + p.rightsizingMonthlyUsd,
          p.totalMonthlyUsd,
        );
        expect(p.totalMonthlyUsd).toBeLessThanOrEqual(d.summary.monthlyRunRateUsd * (1 + 1e-9) + 1e-9);
        expect(p.naiveSumMonthlyUsd + 1e-6).toBeGreaterThanOrEqual(p.totalMonthlyUsd);
        expect(d.summary.overlapRule).toBe(SAVINGS_OVERLAP_RULE);
      }),
      { numRuns: 150 },
    );
  });

  it('per-source totals equal the sums over clusters of their incremental steps', () => {
    fc.assert(
      fc.property(fleetArb, (clusters) => {
        const d = buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now });
        const stepSum = (source: string) =>
          clusters.reduce(
            (s, c) =>
              s + (c.summary?.savings?.steps.find((x) => x.source === source)?.incrementalMonthlyUsd ?? 0),
            0,
          );
        close(d.summary.potentialSavings.hibernationMonthlyUsd, stepSum('hibernation'));
        close(d.summary.potentialSavings.binPackingMonthlyUsd, stepSum('bin-packing'));
        close(d.summary.potentialSavings.spotMonthlyUsd, stepSum('spot'));
        close(d.summary.potentialSavings.rightsizingMonthlyUsd, stepSum('rightsizing'));
        close(
          d.summary.potentialSavings.totalMonthlyUsd,
          d.clusters.reduce((s, c) => s + c.potentialSavingsMonthlyUsd, 0),
        );
        close(
          d.summary.monthlyRunRateUsd,
          d.clusters.reduce((s, c) => s + c.monthlyRunRateUsd, 0),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('a dashboard of one account’s clusters lists only that account (and its totals are a part of the whole)', () => {
    fc.assert(
      fc.property(fleetArb, fc.constantFrom('acct-1', 'acct-2'), (clusters, accountId) => {
        const whole = buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now });
        const mine = clusters.filter((c) => c.accountId === accountId);
        const d = buildDashboard({ clusters: mine, scope: { accountId, clusterId: null }, now });
        expect(d.clusters.every((c) => c.accountId === accountId)).toBe(true);
        expect(d.summary.potentialSavings.totalMonthlyUsd).toBeLessThanOrEqual(
          whole.summary.potentialSavings.totalMonthlyUsd + 1e-6,
        );
      }),
      { numRuns: 80 },
    );
  });

  it('the sunburst’s rings add up: capacity types = run rate of priced nodes, each ring = its children', () => {
    fc.assert(
      fc.property(fleetArb, (clusters) => {
        const d = buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now });
        const synced = clusters.filter((c) => c.summary);
        close(
          d.spot.fleet.reduce((s, f) => s + f.monthlyCostUsd, 0),
          synced.reduce((s, c) => s + (c.summary?.cost.monthlyRunRateUsd ?? 0), 0),
        );
        expect(d.spot.fleet.reduce((s, f) => s + f.nodes, 0)).toBe(
          synced.reduce((s, c) => s + c.nodeCount, 0),
        );
        const check = (slices: typeof d.spot.fleet) => {
          for (const s of slices) {
            if (!s.children) continue;
            close(
              s.children.reduce((x, c) => x + c.monthlyCostUsd, 0),
              s.monthlyCostUsd,
            );
            expect(s.children.reduce((x, c) => x + c.nodes, 0)).toBe(s.nodes);
            check(s.children);
          }
        };
        check(d.spot.fleet);
      }),
      { numRuns: 100 },
    );
  });

  it('fleet efficiency is the engine’s fleet figure; stability lies between the clusters’ extremes', () => {
    fc.assert(
      fc.property(fleetArb, (clusters) => {
        const d = buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now });
        const fleet = fleetEfficiency(
          clusters.flatMap((c) => (c.summary?.efficiency ? [c.summary.efficiency] : [])),
        );
        expect(d.efficiency.score === null).toBe(fleet.score === null);
        if (fleet.score !== null) close(d.efficiency.score ?? Number.NaN, fleet.score);
        const indexes = clusters.flatMap((c) => (c.summary?.stability ? [c.summary.stability.index] : []));
        if (indexes.length === 0) expect(d.stability.index).toBeNull();
        else {
          expect(d.stability.index).toBeGreaterThanOrEqual(Math.min(...indexes) - 1e-9);
          expect(d.stability.index).toBeLessThanOrEqual(Math.max(...indexes) + 1e-9);
          expect(d.stability.clusters.map((c) => c.index)).toEqual([...indexes].sort((x, y) => x - y));
        }
        const est = clusters.filter((c) => c.summary?.binPacking);
        if (est.length === 0 || d.binPacking.planMonthlyCostUsd === 0)
          expect(d.binPacking.withinPctOfBest).toBeNull();
        else close(d.binPacking.withinPctOfBest ?? Number.NaN, 12.5);
      }),
      { numRuns: 100 },
    );
  });

  it('changes the data version when a summary changes, not otherwise', () => {
    fc.assert(
      fc.property(
        fleetArb.filter((cs) => cs.some((c) => c.summary)),
        (clusters) => {
          const v = dataVersionOf(clusters);
          expect(dataVersionOf([...clusters].reverse())).toBe(v);
          const i = clusters.findIndex((c) => c.summary);
          const changed = clusters.map((c, j) =>
            j === i && c.summary
              ? { ...c, summary: { ...c.summary, computedAt: '2026-07-01T13:00:00.000Z' } }
              : c,
          );
          expect(dataVersionOf(changed)).not.toBe(v);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('a dashboard while a scan runs (clusters appear as each is collected)', () => {
  const scanArb = fc
    .record({
      found: fc.option(fc.nat(40), { nil: null }),
      collected: fc.nat(40),
      failed: fc.nat(40),
    })
    .map(({ found, collected, failed }) => {
      const c = found === null ? collected : Math.min(collected, found);
      return {
        clustersFound: found,
        clustersCollected: c,
        clustersFailed: found === null ? failed : Math.min(failed, found - c),
      };
    });

  it('shows the collected clusters with totals of their own, equal to today’s once every cluster is in', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.infiniteStream(fc.boolean()),
        fc.array(scanArb, { minLength: 1, maxLength: 3 }),
        (clusters, picks, scans) => {
          const scope = { accountId: null, clusterId: null };
          const collected = clusters.filter(() => picks.next().value);
          const partial = dashboardResponseSchema.parse(
            buildDashboard({ clusters: collected, scope, scans, now }),
          );
          // The partial figures are those of the clusters in, computed as for a complete fleet.
          const { scan, dataVersion, ...figures } = partial;
          const {
            scan: none,
            dataVersion: _v,
            ...alone
          } = buildDashboard({ clusters: collected, scope, now });
          expect(figures).toEqual(alone);
          expect(none).toBeNull();
          expect(scan?.accountsScanning).toBe(scans.length);
          expect(dataVersion).not.toBe(dataVersionOf(collected));
          // The scan over: exactly today's dashboard, no trace of the scan.
          expect(buildDashboard({ clusters, scope, scans: [], now })).toEqual(
            buildDashboard({ clusters, scope, now }),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('adds the accounts’ progress; the clusters found stay unknown while one account still reads its regions', () => {
    expect(scanOf([])).toBeNull();
    expect(
      scanOf([
        { clustersFound: 7, clustersCollected: 3, clustersFailed: 1 },
        { clustersFound: 5, clustersCollected: 5, clustersFailed: 0 },
      ]),
    ).toEqual({ accountsScanning: 2, clustersFound: 12, clustersCollected: 8, clustersFailed: 1 });
    expect(
      scanOf([
        { clustersFound: 7, clustersCollected: 3, clustersFailed: 0 },
        { clustersFound: null, clustersCollected: 0, clustersFailed: 0 },
      ]),
    ).toEqual({ accountsScanning: 2, clustersFound: null, clustersCollected: 3, clustersFailed: 0 });
    fc.assert(
      fc.property(fc.array(scanArb, { minLength: 1, maxLength: 5 }), (scans) => {
        const s = scanOf(scans);
        if (!s) throw new Error('a scan runs');
        if (s.clustersFound !== null)
          expect(s.clustersCollected + s.clustersFailed).toBeLessThanOrEqual(s.clustersFound);
        // Each step of a scan is a new data version: the SPA refreshes as clusters come in.
        const next = [
          { ...scans[0], clustersCollected: (scans[0]?.clustersCollected ?? 0) + 1 },
          ...scans.slice(1),
        ];
        expect(dataVersionOf([], scanOf(next as typeof scans))).not.toBe(dataVersionOf([], s));
      }),
    );
  });
});

describe('tolerant reading of stored summaries', () => {
  it('reads a v1 summary (no per-type fleet, no recent stability) and stops the sunburst at the family', () => {
    const v1 = parseSummaryView({
      computedAt: now.toISOString(),
      cost: { hourlyCostUsd: 1, monthlyRunRateUsd: 730 },
      fleet: { byFamily: [{ capacityType: 'on-demand', family: 'm5', nodes: 2, hourlyCostUsd: 1 }] },
      stability: {
        index: 90,
        pressure: { value: 0, penalty: 0, weight: 40 },
        spot: { value: 0, penalty: 0, weight: 30 },
        latency: { value: null, penalty: 10, weight: 30 },
      },
    });
    expect(v1?.fleet.byInstanceType).toBeNull();
    expect(v1?.stability?.recent).toEqual([]);
    const d = buildDashboard({
      clusters: [
        {
          clusterId: 'eks-1',
          name: 'one',
          accountId: 'a',
          accountName: null,
          region: 'us-east-1',
          kubernetesVersion: '1.30',
          nodeCount: 2,
          podCount: 0,
          monthlyRunRateUsd: 730,
          timeZone: 'UTC',
          tags: {},
          lastSyncedAt: null,
          collection: { status: 'ok', reason: null, source: 'agent' },
          summary: v1,
        },
      ],
      scope: { accountId: null, clusterId: null },
      now,
    });
    expect(dashboardResponseSchema.parse(d).spot.fleet).toEqual([
      {
        name: 'on-demand',
        nodes: 2,
        monthlyCostUsd: 730,
        children: [{ name: 'm5', nodes: 2, monthlyCostUsd: 730 }],
      },
    ]);
    expect(d.stability.index).toBe(90);
    expect(
      resourceGapResponseSchema.parse(buildResourceGap({ range: '24h', resource: 'cpu', series: [], now }))
        .points,
    ).toEqual([]);
  });
});

describe('dailyStability (recent values)', () => {
  it('computes one value per UTC day of the last 7 through the engine, with the documented approximations', () => {
    const rollups = [];
    for (let h = 0; h < 9 * 24; h += 1) {
      const hour = new Date(now.getTime() - h * 3_600_000).toISOString();
      rollups.push({
        hour,
        pressureEvents: h % 24 === 0 ? 2 : 0,
        apiLatencyP99Ms: 1500,
        nodesByCapacityType: { 'on-demand': 6, spot: 4 },
      });
    }
    const days = dailyStability(rollups, now, 0.075);
    expect(days.map((d) => d.day)).toEqual([
      '2026-06-25',
      '2026-06-26',
      '2026-06-27',
      '2026-06-28',
      '2026-06-29',
      '2026-06-30',
      '2026-07-01',
    ]);
    const full = stabilityIndex({
      windowDays: 1,
      nodeCount: 10,
      pressureEventCount: 2,
      nodes: [
        { capacityType: 'spot', allocatableCpuMilli: 400, monthlyInterruptionProbability: 0.075 },
        { capacityType: 'on-demand', allocatableCpuMilli: 600, monthlyInterruptionProbability: null },
      ],
      controlPlaneLatencyP99Ms: 1500,
    });
    const mid = days[3];
    expect(mid?.index).toBeCloseTo(full.index, 1);
    expect(mid?.latencyPenalty).toBeCloseTo(7.5, 5);
    expect(mid?.nodeCount).toBe(10);
    // Today so far: 13 hours (00:00..12:00), one of them with 2 events.
    expect(days.at(-1)?.pressurePenalty).toBeCloseTo(40 * Math.min(1, 2 / (10 * (13 / 24)) / 0.5), 1);
  });
});

describe('a fleet answer at hundreds of clusters (issue 17: under 100 KiB at 500)', () => {
  it('carries the top heatmaps, rows and least stable clusters; its totals still cover them all', () => {
    // Few clusters are enough to cross the limits when the limits are what is checked: the fleet is the
    // same 12-cluster arbitrary, repeated under new ids until it is larger than every limit.
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        if (fleet.length === 0) return;
        const clusters = Array.from({ length: 120 }, (_, i) => {
          const c = fleet[i % fleet.length] as DashboardClusterInput;
          return { ...c, clusterId: `${c.clusterId}-${i}`, name: `${c.name}-${i}` };
        });
        const whole = buildDashboard({ clusters, scope: { accountId: null, clusterId: null }, now });
        const d = dashboardResponseSchema.parse(whole);
        const withGrid = clusters.filter((c) => c.summary?.idle);
        expect(d.hibernation.clusters.length).toBe(Math.min(dashboardLimits.heatmaps, withGrid.length));
        expect(d.hibernation.clusters.length + d.hibernation.others.length).toBe(
          Math.min(dashboardLimits.heatmapChoices, withGrid.length),
        );
        // Largest saving first, across the heatmaps sent and the ones named.
        const savings = [...d.hibernation.clusters, ...d.hibernation.others].map((h) => h.monthlySavingUsd);
        expect(savings).toEqual([...savings].sort((x, y) => y - x));
        expect(d.clusters.length).toBe(dashboardLimits.clusterRows);
        // The rows are the top spenders: none left out costs more than the last one shown.
        const shown = new Set(d.clusters.map((c) => c.clusterId));
        const lastShown = Math.min(...d.clusters.map((c) => c.monthlyRunRateUsd));
        for (const c of clusters)
          if (!shown.has(c.clusterId)) expect(c.monthlyRunRateUsd).toBeLessThanOrEqual(lastShown + 1e-9);
        expect(d.stability.clusters.length).toBeLessThanOrEqual(dashboardLimits.stabilityClusters);
        expect(d.summary.clusterCount).toBe(120);
      }),
      { numRuns: 15 },
    );
  });
});
