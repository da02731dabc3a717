import { CommandRunner } from '@spot/agent/commands';
import { renderManagedKarpenter } from '@spot/shared/karpenter/managed';
import { karpenterManifestSchema } from '@spot/shared/model/agent-command';
import { nodeTemplateSpecSchema } from '@spot/shared/model/node-template';
import { policySchema } from '@spot/shared/model/policy';
import { tolerates } from '@spot/shared/packing/cluster-model';
import { matchesNodeAffinity, type NodeSelectorOperator } from '@spot/shared/packing/selectors';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sandboxExecutor } from '../../src/sandbox/agent-writes';
import type { SandboxCloud } from '../../src/sandbox/cloud';
import { keyTarget, testSandbox } from './fixtures';

/**
 * The sandbox's Karpenter for the NodePools Spot Optimizer applies (ADR 0042): pending pods get the
 * cheapest fitting type the pool allows at once, spot can run out (then on-demand when allowed), a
 * deleted pool's nodes go and their cost stops, a customer's pool is never deleted by the agent; and
 * the scheduler never places a pod where it does not fit.
 */

/** A cluster with a seeded Karpenter pool, emptied now so its pods are Pending; and the pool's role. */
function emptiedPool(cloud: SandboxCloud) {
  const cluster = cloud.world.clusters.find((c) =>
    c.nodeGroups.some((g) => g.kind === 'karpenter' && g.architecture === 'x86_64'),
  );
  if (!cluster) throw new Error('no cluster with an x86 Karpenter pool');
  const pool = cluster.nodeGroups.find((g) => g.kind === 'karpenter' && g.architecture === 'x86_64');
  if (!pool) throw new Error('unreachable');
  const account = cloud.accounts.findIndex((a) => a.awsAccountId === cluster.awsAccountId);
  cloud.removeNodePoolNodes(keyTarget(cloud, account, cluster.region), cluster.name, pool.name, []);
  return { cluster, pool };
}

/** Spot Optimizer's pool for the same pods: the pool's families, labelled like the pool (its selectors). */
function managedPool(
  pool: ReturnType<typeof emptiedPool>['pool'],
  fallback: boolean,
  capacityType: 'spot' | 'hybrid' = 'spot',
) {
  const families = [...new Set(pool.instanceTypes.map((t) => t.split('.')[0] as string))];
  const { nodePool, ec2NodeClass } = renderManagedKarpenter(
    {
      id: 'tpl-sandbox',
      name: 'Sandbox general',
      spec: nodeTemplateSpecSchema.parse({
        families,
        architecture: 'x86_64',
        capacityType,
        disk: { type: 'gp3', sizeGiB: 20 },
      }),
    },
    policySchema.parse({
      infrastructure: {
        autoscaling: { spotFallbackToOnDemand: fallback, strategy: 'lowest-cost' },
        binPacking: { method: 'delete-empty', stabilizationWindowMinutes: 0 },
      },
    }),
    { clusterName: 'sandbox', catalogTypes: loadCatalog().instanceTypes },
  );
  const template = nodePool.spec.template as { metadata: { labels: Record<string, string> } };
  const labelled = {
    ...nodePool,
    spec: {
      ...nodePool.spec,
      template: { ...template, metadata: { labels: { ...template.metadata.labels, ...pool.labels } } },
    },
  };
  return {
    nodePool: karpenterManifestSchema.parse(labelled),
    ec2NodeClass: karpenterManifestSchema.parse(ec2NodeClass),
    families,
  };
}

const pendingOf = (cloud: SandboxCloud, cluster: string, at: Date) =>
  cloud.kubernetes.snapshotAt(cluster, at).pods.filter((p) => p.phase === 'Pending');

describe('the sandbox’s Karpenter pools', () => {
  it('launch the cheapest allowed spot type for the pending pods within the tick, and the bill stops when the pool goes', async () => {
    const { cloud, clock } = testSandbox();
    const { cluster, pool } = emptiedPool(cloud);
    clock.advance(60_000);
    const pending = pendingOf(cloud, cluster.name, clock.now());
    expect(pending.length).toBeGreaterThan(0);
    const { nodePool, ec2NodeClass, families } = managedPool(pool, true);
    const x = sandboxExecutor(cloud, cluster.name);
    await x.applyKarpenter(ec2NodeClass);
    await x.applyKarpenter(nodePool);
    const launched = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
    expect(launched.length).toBeGreaterThan(0);
    for (const n of launched) {
      expect(families).toContain(n.family);
      expect(n.capacityType).toBe('spot');
    }
    const after = cloud.kubernetes.snapshotAt(cluster.name, clock.now());
    const onLaunched = after.pods.filter((p) => launched.some((n) => n.name === p.nodeName));
    expect(onLaunched.length).toBeGreaterThan(0);
    expect(pendingOf(cloud, cluster.name, clock.now()).length).toBeLessThan(pending.length);

    // An hour later the nodes have cost their price; the pool is deleted and they cost nothing more.
    clock.advance(3_600_000);
    const start = clock.now().getTime() - 3_600_000;
    const hourUsd = cloud.kubernetes.pools.costUsd(cluster.name, start, clock.now().getTime());
    expect(hourUsd).toBeCloseTo(
      launched.reduce((s, n) => s + n.hourlyPriceUsd, 0),
      6,
    );
    const runner = new CommandRunner(
      { apiUrl: 'http://unused', token: 't', writeMode: true },
      { executor: x, fetch: globalThis.fetch, log: () => {} },
    );
    const none = { namespaces: [], labels: [] };
    expect(
      await runner.execute(
        { type: 'delete-karpenter', kind: 'NodePool', name: nodePool.metadata.name },
        none,
      ),
    ).toEqual({ outcome: 'succeeded', reason: null });
    const removedAt = clock.now().getTime();
    clock.advance(3_600_000);
    expect(cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime())).toEqual([]);
    expect(cloud.kubernetes.pools.costUsd(cluster.name, removedAt, clock.now().getTime())).toBe(0);
    // The seeded pool is the customer's: the agent refuses to delete it.
    const refused = await runner.execute(
      { type: 'delete-karpenter', kind: 'NodePool', name: pool.name },
      none,
    );
    expect(refused.outcome).toBe('refused');
    expect(cloud.karpenterObjects(cluster.name).some((o) => o.name === pool.name)).toBe(true);
  }, 60_000);

  it("honour a pool's limits.nodes: no launch beyond it, the pods left stay Pending (ADR 0079)", async () => {
    const { cloud, clock } = testSandbox();
    const { cluster, pool } = emptiedPool(cloud);
    clock.advance(60_000);
    const { nodePool, ec2NodeClass } = managedPool(pool, true);
    const x = sandboxExecutor(cloud, cluster.name);
    await x.applyKarpenter(ec2NodeClass);
    await x.applyKarpenter(
      karpenterManifestSchema.parse({ ...nodePool, spec: { ...nodePool.spec, limits: { nodes: '1' } } }),
    );
    const launched = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
    expect(launched).toHaveLength(1);
    expect(pendingOf(cloud, cluster.name, clock.now()).length).toBeGreaterThan(0);
    // Spot mode off (on-demand only): the next launches are on-demand, still within the limit of 3.
    const onDemandOnly = structuredClone(nodePool.spec) as {
      template: { spec: { requirements: { key: string; operator: string; values: string[] }[] } };
    };
    onDemandOnly.template.spec.requirements = onDemandOnly.template.spec.requirements.map((r) =>
      r.key === 'karpenter.sh/capacity-type' ? { ...r, values: ['on-demand'] } : r,
    );
    await x.applyKarpenter(
      karpenterManifestSchema.parse({ ...nodePool, spec: { ...onDemandOnly, limits: { nodes: '3' } } }),
    );
    const now = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
    expect(now.length).toBeLessThanOrEqual(3);
    expect(now.length).toBeGreaterThan(1);
    for (const n of now.filter((n) => !launched.some((l) => l.name === n.name)))
      expect(n.capacityType).toBe('on-demand');
  }, 60_000);

  it("a person's partial apply onto a customer's pool keeps the rest of it and caps its size with limits.nodes", async () => {
    const { cloud, clock } = testSandbox();
    const cluster = cloud.world.clusters.find((c) => c.nodeGroups.some((g) => g.kind === 'karpenter'));
    const pool = cluster?.nodeGroups.find((g) => g.kind === 'karpenter');
    if (!cluster || !pool) throw new Error('no cluster with a Karpenter pool');
    const before = cloud
      .karpenterObjects(cluster.name)
      .find((o) => o.kind === 'NodePool' && o.name === pool.name);
    const requirements = [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [...pool.instanceTypes] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ];
    await sandboxExecutor(cloud, cluster.name).applyKarpenter(
      karpenterManifestSchema.parse({
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: { name: pool.name },
        spec: { template: { spec: { requirements } }, limits: { nodes: '1' } },
      }),
    );
    const after = cloud
      .karpenterObjects(cluster.name)
      .find((o) => o.kind === 'NodePool' && o.name === pool.name);
    const spec = after?.spec as {
      template: { metadata: unknown; spec: { nodeClassRef: unknown; requirements: unknown } };
      limits: Record<string, string>;
    };
    const was = before?.spec as typeof spec;
    expect(spec.template.spec.requirements).toEqual(requirements);
    expect(spec.template.spec.nodeClassRef).toEqual(was.template.spec.nodeClassRef);
    expect(spec.template.metadata).toEqual(was.template.metadata);
    expect(spec.limits).toEqual({ ...was.limits, nodes: '1' });
    // The pool grows no more beyond max(1, what it runs): over the next day it never exceeds that.
    const running = cloud.simulation.desiredAt(pool, clock.now().getTime());
    for (let h = 0; h < 24; h++) {
      clock.advance(3_600_000);
      expect(cloud.simulation.desiredAt(pool, clock.now().getTime())).toBeLessThanOrEqual(
        Math.max(1, running),
      );
    }
  }, 60_000);

  it('delete-node on a node our pool launched terminates that instance only, and its bill stops', async () => {
    const { cloud, clock } = testSandbox();
    const { cluster, pool } = emptiedPool(cloud);
    clock.advance(60_000);
    const { nodePool, ec2NodeClass } = managedPool(pool, true);
    const x = sandboxExecutor(cloud, cluster.name);
    await x.applyKarpenter(ec2NodeClass);
    await x.applyKarpenter(nodePool);
    const launched = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
    const [gone, ...kept] = launched;
    if (!gone) throw new Error('the pool launched nothing');
    const runner = new CommandRunner(
      { apiUrl: 'http://unused', token: 't', writeMode: true },
      { executor: x, fetch: globalThis.fetch, log: () => {} },
    );
    const none = { namespaces: [], labels: [] };
    expect(await runner.execute({ type: 'delete-node', node: gone.name }, none)).toEqual({
      outcome: 'succeeded',
      reason: null,
    });
    const deletedAt = clock.now().getTime();
    clock.advance(3_600_000);
    const running = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
    expect(running.map((n) => n.name)).toEqual(kept.map((n) => n.name));
    expect(cloud.kubernetes.pools.costUsd(cluster.name, deletedAt, clock.now().getTime())).toBeCloseTo(
      kept.reduce((s, n) => s + n.hourlyPriceUsd, 0),
      6,
    );
  }, 60_000);

  it('fall back to on-demand when spot runs out, only where the pool allows it', async () => {
    for (const fallback of [true, false]) {
      const { cloud, clock } = testSandbox();
      const { cluster, pool } = emptiedPool(cloud);
      clock.advance(60_000);
      cloud.kubernetes.pools.setSpotShortage(cluster.name, '*', 'all');
      const { nodePool, ec2NodeClass } = managedPool(pool, fallback);
      const x = sandboxExecutor(cloud, cluster.name);
      await x.applyKarpenter(ec2NodeClass);
      await x.applyKarpenter(nodePool);
      const launched = cloud.kubernetes.pools.nodesAt(cluster.name, clock.now().getTime());
      const events = cloud.kubernetes.pools.eventsBetween(cluster.name, 0, clock.now().getTime());
      expect(events.some((e) => e.reason === 'InsufficientInstanceCapacity')).toBe(true);
      if (fallback) {
        expect(launched.length).toBeGreaterThan(0);
        expect(launched.every((n) => n.capacityType === 'on-demand' && n.fellBackToOnDemand)).toBe(true);
        expect(events.some((e) => e.reason === 'SpotFallbackToOnDemand')).toBe(true);
      } else expect(launched).toEqual([]);
      // Capacity is back: the next tick launches spot again for what is still pending.
      cloud.kubernetes.pools.setSpotShortage(cluster.name, '*', null);
      clock.advance(15_000);
      const next = cloud.kubernetes.karpenterTick(cluster.name, clock.now());
      if (!fallback) {
        expect(next.length).toBeGreaterThan(0);
        expect(next.every((n) => n.capacityType === 'spot')).toBe(true);
      }
    }
  }, 60_000);

  it('never places a pod on a node it does not fit: requests, selectors, affinity, taints (property)', () => {
    const { cloud } = testSandbox();
    const clusters = cloud.world.clusters;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: clusters.length - 1 }),
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        (index, minutes) => {
          const cluster = clusters[index];
          if (!cluster) return;
          const at = new Date(Date.UTC(2026, 2, 1) + minutes * 60_000);
          const snap = cloud.kubernetes.snapshotAt(cluster.name, at);
          const byNode = new Map(snap.nodes.map((n) => [n.name, { node: n, cpu: 0, memory: 0, pods: 0 }]));
          for (const pod of snap.pods) {
            if (pod.phase !== 'Running' || pod.nodeName === null) continue;
            const placed = byNode.get(pod.nodeName);
            expect(placed, `${pod.name} on an unknown node`).toBeDefined();
            if (!placed) continue;
            placed.cpu += pod.containers.reduce((s, c) => s + (c.requests.cpuMilli ?? 0), 0);
            placed.memory += pod.containers.reduce((s, c) => s + (c.requests.memoryMiB ?? 0), 0);
            placed.pods += 1;
            for (const [k, v] of Object.entries(pod.nodeSelector)) expect(placed.node.labels[k]).toBe(v);
            const required = pod.affinity?.nodeAffinity?.required?.map((t) => ({
              matchExpressions: t.matchExpressions.map((e) => ({
                key: e.key,
                operator: e.operator as NodeSelectorOperator,
                values: e.values,
              })),
            }));
            expect(matchesNodeAffinity(placed.node.labels, required)).toBe(true);
            for (const taint of placed.node.taints) {
              // A cordon keeps new pods off; the pods already there stay (placement is recomputed).
              if (taint.effect === 'PreferNoSchedule' || taint.key === 'node.kubernetes.io/unschedulable')
                continue;
              expect(
                tolerates(pod.tolerations as Parameters<typeof tolerates>[0], taint),
                `${pod.name} on ${taint.key}`,
              ).toBe(true);
            }
          }
          for (const { node, cpu, memory, pods } of byNode.values()) {
            expect(cpu).toBeLessThanOrEqual(node.allocatable.cpuMilli);
            expect(memory).toBeLessThanOrEqual(node.allocatable.memoryMiB);
            expect(pods).toBeLessThanOrEqual(node.allocatable.pods);
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);
});
