import { CloudAccessError } from '@spot/shared';
import type { ClusterSummary } from '@spot/shared/savings/cluster-summary/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountRegionEntity, regionsOfAccountQuery } from '../src/data/entities/account-region';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { clusterEntity, clustersOfAccountQuery } from '../src/data/entities/cluster';
import { clusterRollupEntity, clusterRollupsQuery } from '../src/data/entities/cluster-rollup';
import { discoveryProgressEntity, discoveryProgressKey } from '../src/data/entities/discovery-progress';
import { instanceEntity } from '../src/data/entities/ec2-instance';
import { nodeEntity } from '../src/data/entities/node';
import { clusterChildrenQuery } from '../src/data/entities/partitions';
import { workloadEntity } from '../src/data/entities/workload';
import { workloadRollupEntity, workloadRollupsQuery } from '../src/data/entities/workload-rollup';
import { getItem, putItem, queryAll } from '../src/data/repository';
import { getAccount } from '../src/domain/accounts';
import { getDashboard } from '../src/domain/dashboard';
import { loadAccount } from '../src/domain/discovery/load-account';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  runDiscoveryWatching,
  seedSandboxAccount,
  useCloud,
  withOverrides,
} from './discovery-support';
import { signUpAndIn, useLocalServices } from './support/services';

let harness: DiscoveryHarness;

beforeAll(async () => {
  await useLocalServices();
  harness = installDiscoveryHarness();
});

const account = (orgId: string, accountId: string) =>
  getItem(cloudAccountEntity, cloudAccountKey(orgId, accountId), true);

async function setAccountStatus(orgId: string, accountId: string, status: 'active' | 'error') {
  const a = await account(orgId, accountId);
  if (!a) throw new Error('no account');
  await putItem(cloudAccountEntity, { ...a, status, statusReason: status === 'error' ? 'broken' : null });
}

describe('discovery of a sandbox account (the real ASL on aws-local-stepfunctions, DynamoDB Local)', () => {
  let orgId: string;
  let accountId: string;
  /** What the account's progress and the dashboard said as the first run went. */
  let seen: {
    progress: Awaited<ReturnType<typeof getAccount>>['discovery'];
    clusters: number;
    clusterNodes: number[];
  }[];

  beforeAll(async () => {
    ({ orgId } = await signUpAndIn());
    ({ accountId } = await seedSandboxAccount(harness, orgId, 0));
    const run = await runDiscoveryWatching(harness, orgId, accountId, async () => {
      const [account, dashboard] = await Promise.all([
        getAccount(orgId, accountId),
        getDashboard(orgId, {}, new Date()),
      ]);
      return {
        progress: account.discovery,
        clusters: dashboard.clusters.length,
        clusterNodes: dashboard.clusters.map((c) => c.nodeCount),
      };
    });
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    seen = run.seen;
  }, 120_000);

  it('shows the clusters as each is collected: the progress counts up, the smallest cluster first', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    const during = seen.filter((s) => s.progress !== null);
    const counts = during.map((s) => s.progress?.clustersCollected ?? 0);
    // Counts only go up, and the dashboard never shows fewer clusters than the progress says are in.
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    for (const s of during) expect(s.clusters).toBeGreaterThanOrEqual(s.progress?.clustersCollected ?? 0);
    expect(during.map((s) => s.progress?.clustersFound).filter((f) => f !== null)).toContain(clusters.length);
    // The first cluster's figures were on the dashboard while the others were still being collected.
    const first = during.find((s) => s.clusters > 0);
    expect(first?.progress?.clustersCollected).toBeLessThan(clusters.length);
    expect(first?.clusters).toBe(1);
    expect(first?.clusterNodes[0]).toBe(Math.min(...clusters.map((c) => c.nodeCount)));
    // Done: active, nothing shown; the record holds every cluster collected once.
    expect(seen.at(-1)?.progress).toBeNull();
    expect(
      await getItem(discoveryProgressEntity, discoveryProgressKey(orgId, accountId), true),
    ).toMatchObject({
      clustersFound: clusters.length,
      clustersCollected: clusters.length,
      clustersFailed: 0,
      completedAt: expect.any(String),
    });
  });

  it('moves the account scanning -> active, records the run and arms the 15-minute re-sync', async () => {
    const a = await account(orgId, accountId);
    expect(a).toMatchObject({ status: 'active', statusReason: null });
    expect(a?.lastDiscoveryAt).not.toBeNull();
    expect(a?.lastExecutionArn).toMatch(/:execution:discovery:/);
    expect(harness.scheduler.schedules.get(`discovery-${accountId}`)).toEqual({
      name: `discovery-${accountId}`,
      expression: 'rate(15 minutes)',
      timeZone: 'UTC',
      target: { workflow: 'discovery', input: { orgId, accountId } },
      // The first scheduled run is a period after this one, not at once.
      startAt: new Date(Date.parse(a?.lastDiscoveryAt ?? '') + 15 * 60_000),
    });
    // The time of the run is a benchmark figure (`npm run bench discovery`), never a test assertion.
  });

  it('writes regions, instances and clusters, each carrying its source account', async () => {
    const regions = await queryAll(accountRegionEntity, regionsOfAccountQuery(orgId, accountId));
    expect(regions.length).toBeGreaterThan(1);
    expect(regions.every((r) => r.ok && r.accountId === accountId)).toBe(true);
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    expect(clusters.length).toBeGreaterThan(0);
    for (const c of clusters) {
      expect(c.accountId).toBe(accountId);
      expect(c.collection.status).toBe('ok');
      expect(c.nodeCount).toBeGreaterThan(0);
      expect(c.monthlyRunRateUsd).toBeGreaterThan(0);
      expect(c.history).toMatchObject({ status: 'done' });
    }
    const withInstances = regions.find((r) => r.instanceCount > 0);
    expect(withInstances).toBeDefined();
    const instances = await queryAll(instanceEntity, {
      pk: `ORG#${orgId}#ACCOUNT#${accountId}`,
      skPrefix: `INSTANCE#${withInstances?.region}#`,
    });
    expect(instances).toHaveLength(withInstances?.instanceCount ?? -1);
    expect(instances.every((i) => i.accountId === accountId)).toBe(true);
  });

  it('stores nodes and workloads, 30 days of hourly rollups and daily workload rollups per cluster', async () => {
    const [cluster] = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    if (!cluster) throw new Error('no cluster');
    const nodes = await queryAll(nodeEntity, clusterChildrenQuery(orgId, cluster.clusterId, 'NODE'));
    const workloads = await queryAll(
      workloadEntity,
      clusterChildrenQuery(orgId, cluster.clusterId, 'WORKLOAD'),
    );
    expect(nodes).toHaveLength(cluster.nodeCount);
    expect(nodes.every((n) => n.accountId === accountId && n.priceSource !== 'unknown')).toBe(true);
    expect(workloads.length).toBeGreaterThan(0);
    const from = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const rollups = await queryAll(clusterRollupEntity, clusterRollupsQuery(orgId, cluster.clusterId, from));
    expect(rollups.length).toBeGreaterThanOrEqual(720);
    expect(
      rollups.every((r) => r.accountId === accountId && r.capacityCpuMilli > 0 && r.hourlyCostUsd > 0),
    ).toBe(true);
    // Daily workload usage: one item per workload and month, 29+ finished days for most workloads.
    const monthly = await queryAll(workloadRollupEntity, workloadRollupsQuery(orgId, cluster.clusterId));
    const daysByWorkload = new Map<string, number>();
    for (const m of monthly) {
      expect(m.accountId).toBe(accountId);
      daysByWorkload.set(
        m.workloadKey,
        (daysByWorkload.get(m.workloadKey) ?? 0) + Object.keys(m.days).length,
      );
    }
    const withHistory = workloads.filter(
      (w) => (daysByWorkload.get(`${w.namespace}#${w.kind}#${w.name}`) ?? 0) >= 29,
    );
    expect(withHistory.length).toBeGreaterThanOrEqual(workloads.length / 2);
  });

  it('stores the summary the dashboard reads on the Cluster item', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    for (const c of clusters) {
      const s = c.summary as unknown as ClusterSummary;
      expect(s.cost.monthlyRunRateUsd).toBeCloseTo(c.monthlyRunRateUsd, 6);
      expect(s.capacity.nodes).toBe(c.nodeCount);
      expect(s.efficiency.basis).toBe('metrics-server');
      expect(s.efficiency.grade).toMatch(/^[A-F]$/);
      expect(s.spot.scoreByCount).not.toBeNull();
      expect(s.idle?.grid).toHaveLength(7);
      expect(s.idle?.samplesUsed).toBeGreaterThan(600);
      expect(s.stability.index).toBeGreaterThanOrEqual(0);
      expect(s.stability.index).toBeLessThanOrEqual(100);
      expect(s.savings.totalMonthlyUsd).toBeLessThanOrEqual(s.cost.monthlyRunRateUsd + 1e-6);
      expect(s.binPacking?.planHourlyCostUsd).toBeGreaterThanOrEqual(
        (s.binPacking?.lowerBoundHourlyCostUsd ?? 0) - 1e-9,
      );
    }
  });

  it('keeps cluster ids and writes no duplicates on a re-sync', async () => {
    const before = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    const run = await runDiscovery(harness, orgId, accountId);
    expect(run.record.status).toBe('SUCCEEDED');
    const after = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    expect(after.map((c) => c.clusterId).sort()).toEqual(before.map((c) => c.clusterId).sort());
    // History is back-filled once.
    expect(
      after.every((c) => c.history?.at === before.find((b) => b.clusterId === c.clusterId)?.history?.at),
    ).toBe(true);
  }, 120_000);

  it('keeps an active account active when a scheduled run starts; marks any other scanning', async () => {
    // A scheduled run: nobody set `scanning` before it started, so the accounts page keeps `active`.
    const scheduledArn = 'arn:aws:states:local:000000000000:execution:discovery:scheduled-1';
    await loadAccount({ orgId, accountId, executionArn: scheduledArn }, new Date());
    expect(await account(orgId, accountId)).toMatchObject({
      status: 'active',
      lastExecutionArn: scheduledArn,
    });
    // An account in error (or not yet active) shows that a run is under way.
    await setAccountStatus(orgId, accountId, 'error');
    await loadAccount({ orgId, accountId }, new Date());
    expect(await account(orgId, accountId)).toMatchObject({ status: 'scanning', statusReason: null });
    await setAccountStatus(orgId, accountId, 'active');
  });
});

describe('discovery failures', () => {
  it('marks the account error with the reason when the credentials are refused', async () => {
    const { orgId } = await signUpAndIn();
    const { accountId } = await seedSandboxAccount(harness, orgId, 1);
    useCloud(
      withOverrides(harness.sandbox, {
        identify: async () => {
          throw new CloudAccessError(
            'INVALID_CREDENTIALS',
            'AWS rejected these access keys (InvalidClientTokenId). Check the key id and secret.',
            'sts:GetCallerIdentity',
          );
        },
      }),
    );
    try {
      const run = await runDiscovery(harness, orgId, accountId);
      expect(run.record.status).toBe('FAILED');
      const a = await account(orgId, accountId);
      expect(a?.status).toBe('error');
      expect(a?.statusReason).toContain('AWS rejected these access keys');
      expect(a?.statusReason).toMatch(/Re-Sync/);
    } finally {
      useCloud(harness.sandbox);
    }
  }, 60_000);

  it('reports a failing region and still completes the others', async () => {
    const { orgId } = await signUpAndIn();
    const { accountId, region: homeRegion } = await seedSandboxAccount(harness, orgId, 1);
    const regions = await harness.sandbox
      .listRegions({
        region: homeRegion,
        credentials: { kind: 'access-key', accessKeyId: 'x', secretAccessKey: 'x' },
      })
      .catch(() => [] as string[]);
    const broken = 'ap-southeast-2';
    useCloud(
      withOverrides(harness.sandbox, {
        listRegions: async () => [...new Set([...regions, homeRegion, broken])].sort(),
        describeInstances: async (target) => {
          if (target.region === broken) {
            throw new CloudAccessError(
              'ACCESS_DENIED',
              `ec2:DescribeInstances is not allowed in ${broken}.`,
              'ec2:DescribeInstances',
            );
          }
          return harness.sandbox.describeInstances(target);
        },
      }),
    );
    try {
      const run = await runDiscovery(harness, orgId, accountId);
      expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
      const a = await account(orgId, accountId);
      expect(a?.status).toBe('active');
      expect(a?.statusReason).toContain(`region ${broken}`);
      const stored = await queryAll(accountRegionEntity, regionsOfAccountQuery(orgId, accountId));
      expect(stored.find((r) => r.region === broken)).toMatchObject({
        ok: false,
        error: { code: 'CloudAccessError' },
      });
      expect(stored.find((r) => r.region === homeRegion)?.ok).toBe(true);
    } finally {
      useCloud(harness.sandbox);
    }
  }, 120_000);

  it('fails the run when no region can be read', async () => {
    const { orgId } = await signUpAndIn();
    const { accountId } = await seedSandboxAccount(harness, orgId, 1);
    useCloud(
      withOverrides(harness.sandbox, {
        describeInstances: async () => {
          throw new CloudAccessError(
            'ACCESS_DENIED',
            'ec2:DescribeInstances is not allowed.',
            'ec2:DescribeInstances',
          );
        },
      }),
    );
    try {
      const run = await runDiscovery(harness, orgId, accountId);
      expect(run.record.status).toBe('FAILED');
      const a = await account(orgId, accountId);
      expect(a?.status).toBe('error');
      expect(a?.statusReason).toContain('No region could be read');
    } finally {
      useCloud(harness.sandbox);
    }
  }, 60_000);
});
