import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterListItem } from '../../src/model/cluster';
import { registrySortFields } from '../../src/model/cluster-registry';
import {
  encodeRegistryIndexEntry,
  encodeRegistryIndexTrend,
  registryIndexItemOf,
  registryIndexShardOf,
  registryIndexShards,
} from '../../src/registry/index-entry';
import { filterRegistry, sortRegistry, sortValue } from '../../src/registry/query';
import { encodeRegistryRow, registryItemOf, registryRowOf, savingsAchievedPct } from '../../src/registry/row';
import { registrySummary } from '../../src/registry/summary';

const now = new Date('2026-06-01T12:00:00Z');
const iso = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();

/** A cluster as discovery and the agent would leave it: any mix of figures, missing ones included. */
const clusterArb = fc.record({
  i: fc.integer({ min: 0, max: 10_000 }),
  name: fc.constantFrom('payments-prod', 'search-dev', 'ml-staging', 'web', 'Data-PRD-1'),
  accountId: fc.constantFrom('a1', 'a2'),
  region: fc.constantFrom('us-east-1', 'eu-west-1'),
  kubernetesVersion: fc.constantFrom('1.27', '1.29', '1.31', '1.33', ''),
  tags: fc.dictionary(fc.constantFrom('env', 'team', 'stage'), fc.constantFrom('prod', 'dev', 'payments')),
  nodeCount: fc.integer({ min: 0, max: 200 }),
  podCount: fc.integer({ min: 0, max: 3000 }),
  monthlyRunRateUsd: fc.integer({ min: 0, max: 90_000 }),
  savings: fc.option(fc.integer({ min: 0, max: 9_000 })),
  p99: fc.option(fc.integer({ min: 1, max: 4000 })),
  pressure: fc.option(fc.double({ min: 0, max: 2, noNaN: true })),
  errorRatio: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  collection: fc.constantFrom('ok', 'error', 'pending'),
  source: fc.constantFrom('agent', 'agentless', null),
  heartbeat: fc.option(fc.integer({ min: 0, max: 500 })),
  snapshot: fc.option(fc.integer({ min: 0, max: 500 })),
  synced: fc.option(fc.integer({ min: 0, max: 500 })),
  version: fc.constantFrom('0.0.9', '0.1.0', null),
  week: fc.option(fc.tuple(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 9000 }))),
  realized: fc.option(fc.integer({ min: 0, max: 5000 })),
});

type ClusterCase = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function pair(c: ClusterCase, n: number): [ClusterListItem, ClusterListItem] {
  const clusterId = `eks-${String(c.i).padStart(5, '0')}-${n}`;
  const row = registryRowOf({
    clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    kubernetesVersion: c.kubernetesVersion,
    tags: c.tags,
    nodeCount: c.nodeCount,
    podCount: c.podCount,
    monthlyRunRateUsd: c.monthlyRunRateUsd,
    summary: {
      computedAt: iso(0),
      source: c.source,
      capacity: { cpuMilli: c.nodeCount * 4000, memoryMiB: c.nodeCount * 16384, zones: ['a'] },
      efficiency: { score: 0.5, grade: 'C' },
      savings: c.savings === null ? null : { totalMonthlyUsd: c.savings },
      stability:
        c.p99 === null
          ? null
          : {
              index: 80,
              level: 'green',
              latency: { p99Ms: c.p99, objectiveP99Ms: 1000 },
              pressure: { eventsPerNodeDay: c.pressure ?? 0 },
              // Without it the stability section does not parse, and the latency never reached the row.
              spot: { value: 0, penalty: 0, weight: 30 },
            },
      // An agent older than the error figure (ADR 0086) sends none.
      controlPlane:
        c.errorRatio === null
          ? { latencyP99Ms: c.p99 ?? 0, requestsPerMinute: 0 }
          : { latencyP99Ms: c.p99 ?? 0, requestsPerMinute: 0, errorRatio: c.errorRatio },
    },
    collection: {
      status: c.collection,
      reason: c.collection === 'error' ? 'denied' : null,
      source: c.source,
    },
    agent: {
      lastHeartbeatAt: c.heartbeat === null ? null : iso(c.heartbeat),
      lastSnapshotAt: c.snapshot === null ? null : iso(c.snapshot),
      version: c.version,
    },
    lastSyncedAt: c.synced === null ? null : iso(c.synced),
  });
  const trend = c.week
    ? { nodes24h: [1, 2], pods24h: [3, 4], costLast7dUsd: c.week[0], costPrev7dUsd: c.week[1] }
    : null;
  const full = registryItemOf(encodeRegistryRow(row), trend && JSON.stringify(trend), now, c.realized);
  const fromIndex = registryIndexItemOf(
    clusterId,
    encodeRegistryIndexEntry(row),
    trend && encodeRegistryIndexTrend(trend),
    c.realized,
    now,
  );
  if (!full || !fromIndex) throw new Error('a row or an entry did not decode');
  return [full, fromIndex];
}

describe('registry index entries (ADR 0053)', () => {
  it('give every sort value, every filter and the status bar exactly as the full rows do (property)', () => {
    fc.assert(
      fc.property(
        fc.array(clusterArb, { maxLength: 40 }),
        fc.constantFrom(...registrySortFields),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.record({
          q: fc.option(fc.constantFrom('pay', 'PROD', 'eu-', 'team', 'eks-0'), { nil: undefined }),
          environment: fc.option(fc.constantFrom('prod' as const, 'dev' as const, 'staging' as const), {
            nil: undefined,
          }),
          health: fc.option(fc.constantFrom('healthy' as const, 'degraded' as const), { nil: undefined }),
          topSpenders: fc.option(fc.boolean(), { nil: undefined }),
          accountId: fc.option(fc.constantFrom('a1', 'a2'), { nil: undefined }),
        }),
        (clusters, field, dir, filters) => {
          const pairs = clusters.map(pair);
          const full = pairs.map((p) => p[0]);
          const index = pairs.map((p) => p[1]);
          for (const [f, x] of pairs) {
            for (const s of registrySortFields) expect(sortValue(x, s)).toEqual(sortValue(f, s));
            expect(x.health).toEqual(f.health);
          }
          const ids = (items: ClusterListItem[]) =>
            sortRegistry(filterRegistry(items, filters), field, dir).map((i) => i.id);
          expect(ids(index)).toEqual(ids(full));
          expect(registrySummary(index)).toEqual(registrySummary(full));
        },
      ),
    );
  });

  it('spreads clusters over the shards, each id always to the same one', () => {
    const counts = new Array(registryIndexShards).fill(0);
    for (let i = 0; i < 1600; i++)
      counts[registryIndexShardOf(`eks-${i.toString(16).padStart(20, '0')}`)] += 1;
    // 100 per shard on average: none empty, none with more than twice its share.
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThan(200);
    expect(registryIndexShardOf('eks-abc')).toBe(registryIndexShardOf('eks-abc'));
  });
});

describe('% savings achieved', () => {
  it('is the realized share of realized plus potential, 0..100, and grows with the realized (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (realized, potential, more) => {
          const pct = savingsAchievedPct(realized, potential) as number;
          expect(pct).toBeGreaterThanOrEqual(0);
          expect(pct).toBeLessThanOrEqual(100);
          expect(savingsAchievedPct(realized + more, potential) as number).toBeGreaterThanOrEqual(pct);
          if (realized + potential > 0)
            // Rounded to one decimal: at most half a unit off, plus the float error of the subtraction.
            expect(Math.abs(pct - (100 * realized) / (realized + potential))).toBeLessThanOrEqual(
              0.05 + 1e-9,
            );
        },
      ),
    );
    expect(savingsAchievedPct(null, 500)).toBe(0);
    expect(savingsAchievedPct(null, null)).toBeNull();
    expect(savingsAchievedPct(300, 0)).toBe(100);
  });
});
