import { loadCatalog } from '@spot/shared/pricing/index';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sandbox/simulation';
import { buildAccounts, buildWorld, clusterDirectory } from '../../src/sandbox/world';
import { WEEKDAY_NOON_NY } from './fixtures';

const noOverrides = { overridesFor: () => [] };
const world = buildWorld(42);
const sim = new Simulation(world, noOverrides);
const t = WEEKDAY_NOON_NY.getTime();

describe('sandbox world', { timeout: 30_000 }, () => {
  it('is the same for the same seed and differs for another seed', () => {
    expect(JSON.stringify(buildWorld(42))).toBe(JSON.stringify(world));
    const other = buildWorld(7);
    expect(other.accounts.map((a) => a.awsAccountId)).not.toEqual(world.accounts.map((a) => a.awsAccountId));
    expect(JSON.stringify(other.clusters)).not.toBe(JSON.stringify(world.clusters));
  });

  it('has at least 2 accounts with 12-digit ids and AWS-shaped access keys', () => {
    expect(world.accounts.length).toBeGreaterThanOrEqual(2);
    for (const account of world.accounts) {
      expect(account.awsAccountId).toMatch(/^[1-9]\d{11}$/);
      expect(account.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(account.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    }
    expect(new Set(world.accounts.map((a) => a.awsAccountId)).size).toBe(world.accounts.length);
    // The keys alone come from the seed, without building the clusters.
    expect(buildAccounts(42, 'default')).toEqual(world.accounts);
  });

  it('spreads 12+ clusters over 4 regions, prod/staging/dev, with team and owner tags', () => {
    expect(world.clusters.length).toBeGreaterThanOrEqual(12);
    expect(new Set(world.clusters.map((c) => c.region))).toEqual(
      new Set(['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1']),
    );
    expect(new Set(world.clusters.map((c) => c.tags.env))).toEqual(new Set(['prod', 'staging', 'dev']));
    for (const cluster of world.clusters) {
      expect(cluster.name).toMatch(/^(prod|staging|dev)-[a-z-]+-(use1|usw2|euw1|apse1)$/);
      expect(cluster.tags.team).toBeTruthy();
      expect(cluster.tags.owner).toMatch(/@/);
      expect(['1.28', '1.29', '1.30', '1.31']).toContain(cluster.kubernetesVersion);
      expect(cluster.arn).toBe(
        `arn:aws:eks:${cluster.region}:${cluster.awsAccountId}:cluster/${cluster.name}`,
      );
    }
    expect(new Set(world.clusters.map((c) => c.awsAccountId)).size).toBeGreaterThanOrEqual(2);
    // The directory the routes list without building the world says the same.
    expect(
      clusterDirectory(42, 'default').map((d) => [
        d.name,
        world.accounts[d.account]?.awsAccountId,
        d.region,
        d.env,
      ]),
    ).toEqual(world.clusters.map((c) => [c.name, c.awsAccountId, c.region, c.env]));
  });

  it('has clusters from 5 to 300 nodes at a weekday peak', () => {
    const sizes = world.clusters.map((c) => c.nodeGroups.reduce((sum, ng) => sum + sim.desiredAt(ng, t), 0));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5);
    expect(Math.min(...sizes)).toBeLessThanOrEqual(10);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(300);
  });

  it('mixes managed, self-managed and Karpenter groups, on-demand and spot, x86 and arm64 from the catalog', () => {
    const groups = world.clusters.flatMap((c) => c.nodeGroups);
    expect(new Set(groups.map((g) => g.kind))).toEqual(new Set(['managed', 'self-managed', 'karpenter']));
    const slots = groups.flatMap((g) =>
      Array.from({ length: sim.desiredAt(g, t) }, (_, i) => sim.slot(g, i)),
    );
    expect(new Set(slots.map((s) => s.capacityType))).toEqual(new Set(['on-demand', 'spot']));
    expect(new Set(slots.map((s) => s.architecture))).toEqual(new Set(['x86_64', 'arm64']));
    const families = new Set(slots.map((s) => s.family));
    for (const family of ['m5', 'c6g', 'r5', 't3', 'g4dn']) expect(families).toContain(family);
    for (const slot of slots) {
      const type = loadCatalog().requireInstanceType(slot.instanceType);
      expect(type.architectures).toContain(slot.architecture);
      expect(slot.onDemandHourlyUsd).toBeGreaterThan(0);
      if (slot.capacityType === 'spot') expect(slot.hourlyHazard).toBeGreaterThan(0);
    }
    // Self-managed mixed ASGs keep their on-demand base.
    const mixed = groups.find((g) => g.kind === 'self-managed' && g.capacity === 'mixed');
    expect(mixed && sim.slot(mixed, 0).capacityType).toBe('on-demand');
  });

  it('over-provisions requests and marks some workloads as not disruptable', () => {
    const workloads = world.clusters.flatMap((c) => c.workloads);
    expect(new Set(workloads.map((w) => w.kind))).toEqual(new Set(['Deployment', 'StatefulSet', 'CronJob']));
    expect(workloads.some((w) => w.annotations['karpenter.sh/do-not-disrupt'] === 'true')).toBe(true);
    expect(workloads.some((w) => w.hpa)).toBe(true);
    expect(workloads.some((w) => w.pdb)).toBe(true);
    expect(workloads.some((w) => w.pvcs.length > 0)).toBe(true);
    const shares = workloads
      .flatMap((w) => w.containers)
      .filter((c) => c.requests.cpuMilli > 0)
      .map((c) => c.cpuShare)
      .sort((a, b) => a - b);
    const median = shares[Math.floor(shares.length / 2)] ?? 0;
    // Requests are 2-5x the typical use.
    expect(1 / median).toBeGreaterThan(2);
    expect(1 / median).toBeLessThan(5);
  });

  it('builds the large variant: 50 clusters and about 5,000 instances at the peak', () => {
    const large = buildWorld(42, 'large');
    const largeSim = new Simulation(large, noOverrides);
    expect(large.clusters.length).toBe(50);
    expect(new Set(large.clusters.map((c) => c.name)).size).toBe(50);
    const nodes = large.clusters
      .flatMap((c) => c.nodeGroups)
      .reduce((sum, ng) => sum + largeSim.desiredAt(ng, t), 0);
    expect(nodes).toBeGreaterThan(4_500);
    expect(nodes).toBeLessThan(5_500);
  });

  it('builds the e2e variant: the small world unchanged plus a third, fourth and fifth account of small clusters', () => {
    const e2e = buildWorld(42, 'e2e');
    const small = buildWorld(42, 'small');
    expect(e2e.accounts.slice(0, 2)).toEqual(small.accounts);
    expect(e2e.clusters.slice(0, small.clusters.length)).toEqual(small.clusters);
    expect(Math.max(...e2e.clusters.map((c) => c.plannedPeakNodes))).toBeLessThanOrEqual(40);
    const third = e2e.accounts[2];
    expect(third).toBeDefined();
    const own = e2e.clusters.filter((c) => c.awsAccountId === third?.awsAccountId);
    expect(own.map((c) => c.name)).toEqual([
      'dev-analytics-use1',
      'dev-identity-euw1',
      'dev-messaging-usw2',
      'dev-growth-apse1',
    ]);
    expect(new Set(e2e.clusters.map((c) => c.name)).size).toBe(e2e.clusters.length);
    expect(third?.accessKeyId).not.toBe(world.accounts[0]?.accessKeyId);
    expect(clusterDirectory(42, 'e2e').filter((c) => c.account === 2)).toHaveLength(4);
    // The fourth account (the Add Cluster spec's): one tiny cluster, and four that exist only once created.
    const fourth = e2e.accounts[3];
    expect(e2e.accounts).toHaveLength(5);
    expect(fourth?.name).toBe('acme-europe');
    expect(new Set(e2e.accounts.map((a) => a.awsAccountId)).size).toBe(5);
    // The fifth (the cluster detail spec's): one tiny cluster of its own.
    const fifth = e2e.accounts[4];
    expect(fifth?.name).toBe('acme-catalog');
    expect(e2e.clusters.filter((c) => c.awsAccountId === fifth?.awsAccountId).map((c) => c.name)).toEqual([
      'dev-catalog-use1',
    ]);
    const fourths = e2e.clusters.filter((c) => c.awsAccountId === fourth?.awsAccountId);
    expect(fourths.map((c) => [c.name, c.region, c.createdOnRequest ?? false])).toEqual([
      ['dev-ads-usw2', 'us-west-2', false],
      ['dev-checkout-euw1', 'eu-west-1', true],
      ['dev-growth-euw1', 'eu-west-1', true],
      ['dev-analytics-euw1', 'eu-west-1', true],
      ['dev-messaging-euw1', 'eu-west-1', true],
    ]);
    expect(e2e.clusters.filter((c) => c.createdOnRequest)).toHaveLength(4);
    expect(clusterDirectory(42, 'e2e').filter((c) => c.account === 3)).toEqual([
      { name: 'dev-ads-usw2', account: 3, region: 'us-west-2', env: 'dev' },
      ...['checkout', 'growth', 'analytics', 'messaging'].map((team) => ({
        name: `dev-${team}-euw1`,
        account: 3,
        region: 'eu-west-1',
        env: 'dev',
        createdOnRequest: true,
      })),
    ]);
  });
});
