// Test data only: imported by *.test.ts files, never by product code.
import {
  type DashboardClusterRow,
  type DashboardHeatmap,
  type DashboardResponse,
  dashboardResponseSchema,
  type ResourceGapResponse,
  resourceGapResponseSchema,
} from '@spot/shared';

export function clusterRow(overrides: Partial<DashboardClusterRow> = {}): DashboardClusterRow {
  return {
    clusterId: 'c-1',
    name: 'prod-east',
    accountId: 'acc-1',
    accountName: 'Production',
    region: 'us-east-1',
    kubernetesVersion: '1.30',
    nodeCount: 12,
    podCount: 140,
    monthlyRunRateUsd: 8_000,
    efficiency: {
      score: 0.62,
      grade: 'C',
      cpuUtilization: 0.55,
      memoryUtilization: 0.69,
      totalHourlyCostUsd: 10.96,
      nodeCount: 12,
      basis: 'metrics-server',
    },
    potentialSavingsMonthlyUsd: 2_100,
    stabilityIndex: 91,
    spotReadinessScore: 0.7,
    timeZone: 'America/New_York',
    tags: { env: 'prod', team: 'payments' },
    lastSyncedAt: '2026-11-26T18:00:00.000Z',
    collection: { status: 'ok', reason: null, source: 'sandbox' },
    ...overrides,
  };
}

/** 7 x 24: nights (00-07) and the weekend idle, the rest active, Sunday evening without samples. */
export function heatmap(overrides: Partial<DashboardHeatmap> = {}): DashboardHeatmap {
  const classification = Array.from({ length: 7 }, (_, day) =>
    Array.from({ length: 24 }, (_, hour) => {
      if (day === 6 && hour >= 20) return 'no-data' as const;
      if (day >= 5 || hour < 7) return 'idle' as const;
      return 'active' as const;
    }),
  );
  const grid = classification.map((row) =>
    row.map((state) => (state === 'no-data' ? null : state === 'idle' ? 0.05 : 0.6)),
  );
  return {
    clusterId: 'c-1',
    clusterName: 'prod-east',
    timeZone: 'America/New_York',
    grid,
    classification,
    idleThreshold: 0.15,
    idleCellsPerWeek: 5 * 7 + 24 + 20,
    hourlyClusterCostUsd: 10.96,
    monthlySavingUsd: 3_700,
    windowStart: '2026-10-29T00:00:00.000Z',
    windowEnd: '2026-11-26T00:00:00.000Z',
    ...overrides,
  };
}

export function dashboardBody(overrides: Partial<DashboardResponse> = {}): DashboardResponse {
  const body: DashboardResponse = {
    generatedAt: '2026-11-26T18:01:00.000Z',
    scope: { accountId: null, clusterId: null },
    dataVersion: 'v1',
    lastSyncedAt: '2026-11-26T18:00:00.000Z',
    scan: null,
    summary: {
      clusterCount: 2,
      nodeCount: 20,
      monthlyRunRateUsd: 12_000,
      potentialSavings: {
        totalMonthlyUsd: 4_000,
        binPackingMonthlyUsd: 1_500,
        spotMonthlyUsd: 1_200,
        hibernationMonthlyUsd: 900,
        rightsizingMonthlyUsd: 400,
        naiveSumMonthlyUsd: 6_100,
        projectedMonthlyCostUsd: 8_000,
      },
      overlapRule: 'Bin packing first, then spot on what remains, then hibernation, then rightsizing.',
      unmanaged: { workloadCount: 0, nodeCount: 0, monthlyCostUsd: 0 },
    },
    clusters: [
      clusterRow(),
      clusterRow({
        clusterId: 'c-2',
        name: 'dev-west',
        region: 'us-west-2',
        kubernetesVersion: '1.9',
        nodeCount: 8,
        monthlyRunRateUsd: 4_000,
        tags: { env: 'dev' },
        efficiency: { ...clusterRow().efficiency, score: 0.85, grade: 'A' },
      }),
    ],
    binPacking: {
      monthlySavingUsd: 1_500,
      currentMonthlyCostUsd: 12_000,
      planMonthlyCostUsd: 10_500,
      lowerBoundMonthlyCostUsd: 10_200,
      withinPctOfBest: 2.9,
      clustersEstimated: 2,
      nodesNow: 20,
      nodesInPlan: 17,
      now: {
        capacityCpuMilli: 80_000,
        requestedCpuMilli: 50_000,
        usedCpuMilli: 30_000,
        capacityMemoryMiB: 320_000,
        requestedMemoryMiB: 200_000,
        usedMemoryMiB: 150_000,
      },
    },
    spot: {
      readinessScore: 0.7,
      readinessScoreByCpu: 0.6,
      eligibleCount: 100,
      readyCount: 70,
      alreadyOnSpotCount: 10,
      monthlySavingUsd: 2_000,
      fleet: [
        {
          name: 'on-demand',
          nodes: 14,
          monthlyCostUsd: 9_000,
          children: [
            {
              name: 'm5',
              nodes: 14,
              monthlyCostUsd: 9_000,
              children: [{ name: 'm5.xlarge', nodes: 14, monthlyCostUsd: 9_000 }],
            },
          ],
        },
        {
          name: 'spot',
          nodes: 6,
          monthlyCostUsd: 3_000,
          children: [
            {
              name: 'c6i',
              nodes: 6,
              monthlyCostUsd: 3_000,
              children: [{ name: 'c6i.large', nodes: 6, monthlyCostUsd: 3_000 }],
            },
          ],
        },
      ],
      topCandidates: [
        {
          clusterId: 'c-1',
          clusterName: 'prod-east',
          namespace: 'web',
          kind: 'Deployment',
          name: 'frontend',
          replicas: 4,
          monthlySavingUsd: 600,
          reason: 'stateless, 4 replicas',
        },
      ],
      blockers: [
        { rule: 'pvc', reason: 'Uses a persistent volume claim', count: 20 },
        { rule: 'single-replica', reason: 'Fewer than 2 replicas', count: 10 },
      ],
      topBlockers: [],
    },
    hibernation: { monthlySavingUsd: 3_700, clusters: [heatmap()], others: [] },
    stability: {
      index: 86,
      level: 'green',
      components: [
        {
          key: 'pressure',
          label: 'Node pressure',
          weight: 40,
          penalty: 4,
          detail: '0.05 events per node-day',
          value: 0.05,
        },
        { key: 'spot', label: 'Spot interruption', weight: 30, penalty: 6, detail: '5% risk', value: 0.05 },
        {
          key: 'latency',
          label: 'Control-plane latency',
          weight: 30,
          penalty: 4,
          detail: 'p99 1.27x objective',
          value: 1.27,
        },
      ],
      recent: Array.from({ length: 7 }, (_, i) => ({
        day: `2026-11-${String(20 + i).padStart(2, '0')}`,
        index: 80 + i,
        pressurePenalty: i % 2 === 0 ? 4 : 0,
        spotPenalty: 6,
        latencyPenalty: 4,
      })),
      clusters: [
        { clusterId: 'c-1', clusterName: 'prod-east', index: 84, level: 'green' },
        { clusterId: 'c-2', clusterName: 'dev-west', index: 90, level: 'green' },
      ],
    },
    efficiency: {
      score: 0.7,
      grade: 'B',
      cpuUtilization: 0.62,
      memoryUtilization: 0.78,
      totalHourlyCostUsd: 16.4,
      nodeCount: 20,
      basis: 'metrics-server',
    },
    notes: [],
    ...overrides,
  };
  return dashboardResponseSchema.parse(body);
}

export function gapBody(overrides: Partial<ResourceGapResponse> = {}): ResourceGapResponse {
  const start = Date.parse('2026-11-25T18:00:00.000Z');
  return resourceGapResponseSchema.parse({
    range: '24h',
    resource: 'cpu',
    unit: 'vCPU',
    stepMinutes: 60,
    points: Array.from({ length: 24 }, (_, i) => ({
      t: new Date(start + i * 3_600_000).toISOString(),
      capacity: 80,
      requested: 50 + (i % 3),
      used: i < 2 ? null : 30 + i / 2,
    })),
    binPacking: { monthlySavingUsd: 1_500, withinPctOfBest: 2.9 },
    ...overrides,
  });
}
