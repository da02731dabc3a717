import type { KarpenterManifest } from '@spot/shared/model/agent-command';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sandboxExecutor } from '../../src/sandbox/agent-writes';
import { karpenterReactionMs } from '../../src/sandbox/kubernetes';
import { sandboxSpotUsd } from '../../src/sandbox/prices';
import { keyTarget, testSandbox } from './fixtures';

/**
 * The world's own Karpenter pools provision for pending pods within seconds, at whatever instant the clock
 * is moved to (ADR 0092): staging-storefront-use1's `batch` pool, its nodes removed at 15:20 while idle
 * (as a consolidation run deletes them), gets a node for the CronJob pods that start at 15:22 at
 * 15:22:05, from the shared provisioner within the live NodePool, billed from then on, and removed once
 * empty (the world's pool is sized for its pods again at the full hour).
 */

const CLUSTER = 'staging-storefront-use1';
const at = (hhmmss: string) => new Date(`2026-03-04T${hhmmss}Z`);

function emptiedBatchPool(
  options: { nodeLimit?: number; spotShortage?: boolean; consolidateAfter?: string } = {},
) {
  const sandbox = testSandbox({}, at('15:20:00'));
  const { cloud, clock } = sandbox;
  const cluster = cloud.world.clusters.find((c) => c.name === CLUSTER);
  const pool = cluster?.nodeGroups.find((g) => g.kind === 'karpenter' && g.name === 'batch');
  if (!cluster || !pool) throw new Error(`no batch pool in ${CLUSTER}`);
  const before = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
  const batchNodes = before.nodes.filter((n) => n.nodeGroup === 'batch');
  // Idle at 15:20 (the runs of the hour before ended, the next starts at 15:22): nothing to re-place.
  expect(batchNodes.length).toBeGreaterThan(0);
  expect(
    before.pods.filter((p) => batchNodes.some((n) => n.name === p.nodeName) && p.owner?.kind !== 'DaemonSet'),
  ).toEqual([]);
  if (options.nodeLimit !== undefined || options.consolidateAfter !== undefined) {
    // A person's partial edit of the pool, applied through the agent (ADR 0079).
    const manifest = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'batch' },
      spec:
        options.nodeLimit !== undefined
          ? { limits: { nodes: options.nodeLimit } }
          : { disruption: { consolidateAfter: options.consolidateAfter } },
    } satisfies KarpenterManifest;
    void sandboxExecutor(cloud, CLUSTER).applyKarpenter(manifest);
  }
  if (options.spotShortage) cloud.kubernetes.pools.setSpotShortage(CLUSTER, 'batch', 'all');
  for (const n of batchNodes) expect(cloud.removeKarpenterNodeFromAgent(CLUSTER, n.name)).toBe(true);
  return { ...sandbox, cluster, pool };
}

const batchPods = (snapshot: {
  pods: { nodeSelector: Record<string, string>; phase: string; name: string; nodeName: string | null }[];
}) => snapshot.pods.filter((p) => p.nodeSelector['node-pool'] === 'batch');

describe("the world's Karpenter pools", () => {
  it('launch the cheapest fitting type of the live pool for pods Pending at 15:22 within seconds, bill it, and remove it once empty', async () => {
    const { cloud, clock, pool, cluster } = emptiedBatchPool();
    clock.set(at('15:21:00'));
    expect(
      cloud.kubernetes.snapshotAt(CLUSTER, clock.now()).nodes.filter((n) => n.nodeGroup === 'batch'),
    ).toEqual([]);
    // 15:22:00: the CronJob's pod is Pending (Karpenter has not reacted yet).
    clock.set(at('15:22:00'));
    const starting = batchPods(cloud.kubernetes.snapshotAt(CLUSTER, clock.now()));
    expect(starting.length).toBeGreaterThan(0);
    expect(starting.every((p) => p.phase === 'Pending')).toBe(true);
    // The clock jumps to 15:23:30: the pod got its node at 15:22:05, not at the next full hour.
    clock.set(at('15:23:30'));
    const snapshot = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
    const launched = snapshot.nodes.filter((n) => n.nodeGroup === 'batch');
    expect(launched.length).toBeGreaterThan(0);
    for (const n of launched) {
      expect(n.createdAt).toBe(new Date(at('15:22:00').getTime() + karpenterReactionMs).toISOString());
      expect(pool.instanceTypes).toContain(n.instanceType);
      expect(n.capacityType).toBe('spot');
      expect(n.labels['karpenter.sh/nodepool']).toBe('batch');
      expect(n.labels['node-pool']).toBe('batch');
      expect(n.taints).toEqual(pool.taints);
    }
    expect(batchPods(snapshot).filter((p) => p.phase !== 'Running')).toEqual([]);
    // The shared provisioner's pick among the pool's types: spot within 5 % of the cheapest (capacity-optimized).
    const launchAt = at('15:22:00').getTime() + karpenterReactionMs;
    const zone = cluster.zones[0] ?? '';
    const cheapest = Math.min(
      ...pool.instanceTypes.map((t) => sandboxSpotUsd(t, zone, launchAt) ?? Infinity),
    );
    const first = cloud.kubernetes.pools.history(CLUSTER).find((n) => n.launchedAtMs === launchAt);
    expect(first?.hourlyPriceUsd).toBe(sandboxSpotUsd(first?.instanceType ?? '', zone, launchAt));
    expect(first?.hourlyPriceUsd).toBeLessThanOrEqual(cheapest * 1.05);
    // In the bill (EC2 lists it running since its launch).
    const instances = await cloud.describeInstances(keyTarget(cloud, 0, 'us-east-1'));
    for (const n of launched) {
      const instance = instances.find((i) => i.instanceId === n.instanceId);
      expect(instance?.launchTime).toBe(n.createdAt);
      expect(instance?.state).toBe('running');
    }
    // Karpenter's own consolidation: a launched node that goes empty (its runs ended) is removed at the
    // first check (the live pool's consolidateAfter is 0), and leaves the bill.
    clock.set(at('16:01:00'));
    const later = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
    const gone = cloud.kubernetes.pools
      .history(CLUSTER)
      .filter((n) => n.customer && n.terminatedAtMs !== null);
    expect(gone.length).toBeGreaterThan(0);
    const billed = await cloud.describeInstances(keyTarget(cloud, 0, 'us-east-1'));
    for (const n of gone) {
      expect(n.terminatedAtMs).toBe(n.emptySinceMs);
      expect(later.nodes.some((x) => x.name === n.name)).toBe(false);
      expect(billed.some((i) => i.instanceId === n.instanceId)).toBe(false);
    }
    expect(batchPods(later).filter((p) => p.phase !== 'Running')).toEqual([]);
  });

  it('are deterministic per seed: the same changes give the same nodes, however the clock moves', () => {
    const runs = [['15:25:00', '15:40:00'], ['15:40:00']].map((steps) => {
      const { cloud, clock } = emptiedBatchPool();
      for (const s of steps) {
        clock.set(at(s));
        cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
      }
      return cloud.kubernetes.pools
        .history(CLUSTER)
        .map((n) => [n.name, n.instanceId, n.instanceType, n.launchedAtMs, n.terminatedAtMs]);
    });
    expect(runs[0]?.length).toBeGreaterThan(1);
    expect(runs[1]).toEqual(runs[0]);
  });

  it("honour the live NodePool's limits.nodes: pods beyond it stay Pending", () => {
    const { cloud, clock } = emptiedBatchPool({ nodeLimit: 1 });
    clock.set(at('15:28:00'));
    const snapshot = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
    expect(snapshot.nodes.filter((n) => n.nodeGroup === 'batch')).toHaveLength(1);
    expect(batchPods(snapshot).filter((p) => p.phase === 'Pending').length).toBeGreaterThan(0);
  });

  it("remove an empty node after the live pool's consolidateAfter", () => {
    const { cloud, clock } = emptiedBatchPool({ consolidateAfter: '5m' });
    clock.set(at('16:01:00'));
    cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
    const gone = cloud.kubernetes.pools.history(CLUSTER).filter((n) => n.terminatedAtMs !== null);
    expect(gone.length).toBeGreaterThan(0);
    for (const n of gone) expect((n.terminatedAtMs ?? 0) - (n.emptySinceMs ?? 0)).toBe(5 * 60_000);
  });

  it("delete-node on a launched node terminates that instance only (the pool's seeded size stays)", async () => {
    const { cloud, clock, pool } = emptiedBatchPool();
    clock.set(at('15:23:00'));
    const launched = cloud.kubernetes
      .snapshotAt(CLUSTER, clock.now())
      .nodes.filter((n) => n.nodeGroup === 'batch');
    const victim = launched[0];
    if (!victim) throw new Error('nothing launched');
    const changes = cloud.simulation.changesOf(pool).length;
    expect(await sandboxExecutor(cloud, CLUSTER).deleteNode(victim.name)).toBe('deleted');
    expect(cloud.simulation.changesOf(pool)).toHaveLength(changes);
    const node = cloud.kubernetes.pools.history(CLUSTER).find((n) => n.name === victim.name);
    expect(node?.terminatedAtMs).toBe(at('15:23:00').getTime());
  });

  it('never run more nodes than the live limits.nodes, at any instant (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 21, max: 59 }), (limit, minute) => {
        const { cloud, clock } = emptiedBatchPool({ nodeLimit: limit });
        clock.set(at(`15:${String(minute).padStart(2, '0')}:30`));
        const snapshot = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
        expect(snapshot.nodes.filter((n) => n.nodeGroup === 'batch').length).toBeLessThanOrEqual(limit);
        for (const t of [at('15:22:10'), at('15:30:10'), clock.now()])
          expect(
            cloud.kubernetes.pools.nodesAt(CLUSTER, t.getTime()).filter((n) => n.nodePool === 'batch').length,
          ).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 8 },
    );
  });

  it('launch nothing when spot capacity runs out for a spot-only pool', () => {
    const { cloud, clock } = emptiedBatchPool({ spotShortage: true });
    clock.set(at('15:28:00'));
    const snapshot = cloud.kubernetes.snapshotAt(CLUSTER, clock.now());
    expect(snapshot.nodes.filter((n) => n.nodeGroup === 'batch')).toEqual([]);
    expect(batchPods(snapshot).every((p) => p.phase === 'Pending')).toBe(true);
    expect(
      cloud.kubernetes.pools
        .eventsBetween(CLUSTER, at('15:20:00').getTime(), clock.now().getTime())
        .some((e) => e.reason === 'InsufficientInstanceCapacity'),
    ).toBe(true);
  });
});
