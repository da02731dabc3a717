import { clusterEntity } from '@spot/functions/data/entities/cluster';
import { clusterCardEntity } from '@spot/functions/data/entities/cluster-card';
import { clusterRegistryRowEntity } from '@spot/functions/data/entities/cluster-registry-row';
import { batchWrite, type WriteRequest } from '@spot/functions/data/repository';
import { cardOf, dashboardDigestItems } from '@spot/functions/domain/cluster-card';
import { registryIndexShardItems, registryRowText } from '@spot/functions/domain/cluster-registry-row';
import { clusterIdFor } from '@spot/functions/domain/discovery/common';
import type { RegistryFindings } from '@spot/shared';

/**
 * A synthetic fleet for the registry's benchmark and browser test (ADR 0045): Cluster items with a small
 * summary, their registry rows (with a 24-hour node trend and two weeks of cost) and dashboard cards,
 * written straight to the table of the current environment. A test-only path: it stands for discovery
 * having found `count` clusters, without connecting a sandbox account. Deterministic for a seed.
 */

/** mulberry32: a small seeded generator, so the same seed gives the same fleet. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1'];
const versions = ['1.34', '1.33', '1.32', '1.31', '1.30', '1.29'];
const environments = ['prod', 'staging', 'dev'];
const teams = ['payments', 'search', 'data', 'platform', 'ml', 'web'];

const families = ['m6i', 'c6i', 'r6i', 'm7g'];
const ruleNames = ['persistent-volume-claim', 'do-not-disrupt', 'pdb-blocks-disruption'] as const;

/**
 * A summary with the parts a collected cluster's has beyond what the registry reads (see
 * `FleetOptions.dashboardParts`), from a generator of its own so the fleet's other figures stay as they
 * are for the seed.
 */
function withDashboardParts<S extends { cost: { hourlyCostUsd: number }; stability: object }>(
  summary: S,
  i: number,
  nodeCount: number,
  now: Date,
) {
  const random = rng(1000 + i);
  const hourly = summary.cost.hourlyCostUsd;
  const workload = (n: number) => ({
    namespace: teams[n % teams.length] as string,
    kind: 'Deployment',
    name: `service-${i}-${n}`,
    replicas: 2 + (n % 5),
  });
  const types = families.slice(0, 1 + (i % families.length)).flatMap((family, f) =>
    ['large', '2xlarge'].map((size, s) => ({
      capacityType: (f + s) % 2 === 0 ? 'on-demand' : 'spot',
      family,
      instanceType: `${family}.${size}`,
      nodes: Math.max(1, Math.round((nodeCount / (2 + 2 * f)) * random())),
      hourlyCostUsd: Math.round(hourly * random() * 1000) / 1000,
    })),
  );
  const day = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
  return {
    ...summary,
    fleet: {
      byFamily: families.map((family) => ({
        capacityType: 'on-demand',
        family,
        nodes: 1,
        hourlyCostUsd: 0.1,
      })),
      byInstanceType: types,
    },
    spot: {
      scoreByCount: random(),
      scoreByCpu: random(),
      eligibleCount: 40,
      readyCount: Math.round(40 * random()),
      eligibleCpuMilli: 40_000,
      readyCpuMilli: Math.round(40_000 * random()),
      firstFailingRuleCounts: Object.fromEntries(ruleNames.map((r) => [r, Math.floor(random() * 6)])),
      monthlySavingUsd: Math.round(hourly * 730 * 0.2 * random()),
      alreadyOnSpotCount: Math.floor(random() * 10),
      topCandidates: Array.from({ length: 10 }, (_, n) => ({
        ...workload(n),
        monthlySavingUsd: Math.round(500 * random() * 100) / 100,
        reason: 'Stateless Deployment with 2+ replicas and a PodDisruptionBudget that allows disruption',
      })),
      topBlockers: Array.from({ length: 10 }, (_, n) => ({
        ...workload(n + 10),
        rule: ruleNames[n % ruleNames.length] as string,
        reason: 'Mounts a persistent volume claim',
        requestCpuMilli: Math.round(4000 * random()),
      })),
    },
    stability: {
      ...summary.stability,
      recent: Array.from({ length: 7 }, (_, d) => ({
        day: day(6 - d),
        index: Math.round(8000 + 2000 * random()) / 100,
        pressurePenalty: Math.round(300 * random()) / 100,
        spotPenalty: Math.round(300 * random()) / 100,
        latencyPenalty: Math.round(300 * random()) / 100,
        nodeCount,
      })),
    },
    binPacking: {
      currentHourlyCostUsd: hourly,
      planHourlyCostUsd: hourly * 0.8,
      lowerBoundHourlyCostUsd: hourly * 0.75,
      monthlySavingUsd: hourly * 730 * 0.2,
      nodesNow: nodeCount,
      nodesInPlan: Math.round(nodeCount * 0.8),
    },
  };
}

export interface FleetOptions {
  /** Default 17. */
  seed?: number;
  now?: Date;
  accountId?: string;
  /** Write the dashboard digests with the cards (default true; false: an organization from before them). */
  digests?: boolean;
  /**
   * Summaries with the parts a collected cluster's have and the registry does not need (spot candidates
   * and blockers, instance types, a week of stability, bin packing, savings steps): the dashboard's
   * benchmark reads cards of a real size. Default false (the registry's tests read the rest).
   */
  dashboardParts?: boolean;
  /** Names are `<prefix>-<n>` (default `cluster`). */
  namePrefix?: string;
  /** Per cluster index: fields to force (a name, a version, a last contact in minutes). */
  overrides?: Record<
    number,
    {
      name?: string;
      tags?: Record<string, string>;
      version?: string;
      contactMinutesAgo?: number | null;
      p99Ms?: number;
      /** The last snapshot's control-plane error ratio (ADR 0086); null: an agent older than the figure. */
      errorRatio?: number | null;
      monthlyRunRateUsd?: number;
      /** The Compliance & Drift findings a snapshot would have counted (ADR 0068); none by default. */
      findings?: RegistryFindings;
      /** The release its agent last reported (default: one in five 0.0.9, the others current). */
      agentVersion?: string;
    }
  >;
}

/** Writes `count` clusters into the organization; returns their ids and names, in index order. */
export async function seedRegistryFleet(orgId: string, count: number, options: FleetOptions = {}) {
  const random = rng(options.seed ?? 17);
  const now = options.now ?? new Date();
  const accountId = options.accountId ?? 'acct-fixture';
  const writes: WriteRequest[] = [];
  const seeded: { clusterId: string; name: string }[] = [];
  const indexRows: Parameters<typeof registryIndexShardItems>[1][number][] = [];
  const cards: { clusterId: string; card: string }[] = [];
  for (let i = 0; i < count; i++) {
    const o = options.overrides?.[i] ?? {};
    const env = environments[i % environments.length] as string;
    const team = teams[Math.floor(random() * teams.length)] as string;
    const region = regions[Math.floor(random() * regions.length)] as string;
    const name = o.name ?? `${options.namePrefix ?? 'cluster'}-${team}-${env}-${i}`;
    const clusterId = clusterIdFor(accountId, region, name);
    const nodeCount = 3 + Math.floor(random() * 60);
    const cpuMilli = nodeCount * 8000;
    const memoryMiB = nodeCount * 32768;
    const monthlyRunRateUsd = o.monthlyRunRateUsd ?? Math.round(nodeCount * (150 + random() * 250));
    const score = 0.25 + random() * 0.65;
    const p99 = o.p99Ms ?? Math.round(100 + random() * random() * 2400);
    const contact = o.contactMinutesAgo === undefined ? Math.floor(random() * 20) : o.contactMinutesAgo;
    // From the index, not the generator: drawing here would shift every later cluster's figures. Mostly
    // 0-0.09 %, one cluster in twenty at 2 %.
    const errorRatio = o.errorRatio !== undefined ? o.errorRatio : i % 20 === 7 ? 0.02 : (i % 10) / 10_000;
    const contactAt = contact === null ? null : new Date(now.getTime() - contact * 60_000).toISOString();
    const summary = {
      computedAt: now.toISOString(),
      source: 'agent',
      capacity: {
        cpuMilli,
        memoryMiB,
        requestedCpuMilli: cpuMilli * 0.6,
        requestedMemoryMiB: memoryMiB * 0.5,
        usedCpuMilli: cpuMilli * score,
        usedMemoryMiB: memoryMiB * score,
        zones: [`${region}a`, `${region}b`, `${region}c`].slice(0, 2 + (i % 2)),
      },
      cost: { hourlyCostUsd: monthlyRunRateUsd / 730, monthlyRunRateUsd },
      efficiency: {
        score,
        grade: score >= 0.8 ? 'A' : score >= 0.65 ? 'B' : score >= 0.5 ? 'C' : score >= 0.35 ? 'D' : 'F',
        cpuUtilization: score,
        memoryUtilization: score,
        totalHourlyCostUsd: monthlyRunRateUsd / 730,
        nodeCount,
        basis: 'metrics-server',
      },
      stability: {
        index: 90,
        level: 'stable',
        pressure: { value: 0, penalty: 0, weight: 0.4, eventsPerNodeDay: random() < 0.05 ? 0.8 : 0 },
        spot: { value: 0, penalty: 0, weight: 0.3, spotShare: 0.4, meanSpotMonthlyProbability: null },
        latency: { value: p99, penalty: 0, weight: 0.3, p99Ms: p99, objectiveP99Ms: 1000 },
        windowDays: 1,
        pressureEventCount: 0,
        recent: [],
      },
      spot: null,
      // A 7 x 24 activity grid like a real one's (the dashboard's heatmap reads it): busy on weekdays.
      idle: {
        timeZone: 'UTC',
        windowStart: new Date(now.getTime() - 28 * 86_400_000).toISOString(),
        windowEnd: now.toISOString(),
        idleThreshold: 0.1,
        grid: Array.from({ length: 7 }, (_, d) =>
          Array.from(
            { length: 24 },
            (_, h) => Math.round((d < 5 && h >= 8 && h < 19 ? 0.6 : 0.05) * 1000 * random()) / 1000,
          ),
        ),
        classification: Array.from({ length: 7 }, (_, d) =>
          Array.from({ length: 24 }, (_, h) => (d < 5 && h >= 8 && h < 19 ? 'active' : 'idle')),
        ),
        idleCellsPerWeek: 113,
        hourlyClusterCostUsd: monthlyRunRateUsd / 730,
        monthlyHibernationSavingsUsd: Math.round(monthlyRunRateUsd * 0.3),
      },
      rightsizing: { monthlySavingUsd: 0 },
      binPacking: null,
      savings: {
        steps: [],
        totalMonthlyUsd: Math.round(monthlyRunRateUsd * random() * 0.4),
        naiveSumMonthlyUsd: 0,
        projectedMonthlyCostUsd: 0,
      },
      notes: [],
      controlPlane: {
        latencyP99Ms: p99,
        requestsPerMinute: 10 * nodeCount + 120,
        ...(errorRatio === null ? {} : { errorRatio }),
      },
    };
    const cluster = clusterEntity.schema.parse({
      orgId,
      clusterId,
      accountId,
      awsAccountId: '000000000000',
      name,
      region,
      kubernetesVersion: o.version ?? (versions[Math.floor(random() * versions.length)] as string),
      tags: o.tags ?? { env, team },
      nodeCount,
      podCount: nodeCount * (8 + Math.floor(random() * 20)),
      monthlyRunRateUsd,
      summary: options.dashboardParts ? withDashboardParts(summary, i, nodeCount, now) : summary,
      collection: { status: 'ok', reason: null, source: 'agent', lastAttemptAt: contactAt },
      agent: {
        lastHeartbeatAt: contactAt,
        lastSnapshotAt: contactAt,
        // Drawn even when forced, so that a forced version leaves the other clusters' figures as they were.
        version: ((drawn) => o.agentVersion ?? drawn)(random() < 0.2 ? '0.0.9' : '0.1.0'),
      },
      discoveredAt: now.toISOString(),
      lastSyncedAt: contactAt,
      findings: o.findings ?? null,
    });
    const hourly = monthlyRunRateUsd / 730;
    const trend = JSON.stringify({
      nodes24h: Array.from({ length: 24 }, (_, h) =>
        Math.max(1, Math.round(nodeCount * (0.8 + 0.3 * Math.sin((h + i) / 4)))),
      ),
      pods24h: Array.from({ length: 24 }, (_, h) =>
        Math.max(1, Math.round(cluster.podCount * (0.85 + 0.25 * Math.sin((h + i) / 5)))),
      ),
      costLast7dUsd: Math.round(hourly * 168 * (0.9 + random() * 0.25)),
      costPrev7dUsd: Math.round(hourly * 168),
    });
    // Some clusters have had optimizer actions: a realized saving, a share of what was there to save.
    const realizedMonthlyUsd = i % 3 === 0 ? Math.round(monthlyRunRateUsd * random() * 0.15) : undefined;
    const row = registryRowText(cluster);
    const card = cardOf(cluster);
    indexRows.push({
      clusterId,
      row,
      trend,
      ...(realizedMonthlyUsd === undefined ? {} : { realizedMonthlyUsd }),
    });
    writes.push(
      { put: clusterEntity.toItem(cluster) },
      {
        put: {
          ...clusterRegistryRowEntity.toItem({ orgId, clusterId, accountId, row, trend }),
          ...(realizedMonthlyUsd === undefined ? {} : { realizedMonthlyUsd }),
        },
      },
      { put: clusterCardEntity.toItem({ orgId, clusterId, accountId, card }) },
    );
    cards.push({ clusterId, card });
    seeded.push({ clusterId, name });
  }
  // The registry index (ADR 0053) the same transactions would have left, written whole.
  for (const put of registryIndexShardItems(orgId, indexRows)) writes.push({ put });
  // And the dashboard's digests of the cards (ADR 0062), unless the caller wants an organization whose
  // cards were written before digests were.
  if (options.digests !== false) for (const put of dashboardDigestItems(orgId, cards)) writes.push({ put });
  await batchWrite(writes);
  return seeded;
}
