import { observedSincePatch } from '@spot/shared/savings/workload-patches';
import { describe, expect, it } from 'vitest';
import { sandboxExecutor } from '../../src/sandbox/agent-writes';
import { patchOomEveryMs, patchOomFirstMs } from '../../src/sandbox/kubernetes';
import { testSandbox } from './fixtures';

/**
 * The sandbox makes a rightsizing rollout observable (ADR 0043): a patch rolls the pods out with the new
 * requests, and a memory request (or limit) below what the pods use makes them OOM-killed and restarted,
 * which the rightsizing workflow's rollback decision reads; the rollback's patch brings quiet pods back.
 */
const { cloud, clock } = testSandbox();
const k8s = cloud.kubernetes;

function quietDeployment() {
  for (const cluster of cloud.world.clusters) {
    const snapshot = k8s.snapshotAt(cluster.name, clock.now());
    for (const w of cluster.workloads) {
      if (w.kind !== 'Deployment' || w.oomHourlyProbability > 0 || w.containers.length !== 1) continue;
      const c = w.containers[0];
      if (!c || c.requests.memoryMiB < 128) continue;
      const pods = snapshot.pods.filter(
        (p) => p.namespace === w.namespace && p.owner?.name === w.name && p.phase === 'Running',
      );
      const used = Math.max(...pods.map((p) => p.containers[0]?.usage?.memoryMiB ?? 0));
      if (pods.length >= 2 && used >= 32) return { cluster, workload: w, container: c, used };
    }
  }
  throw new Error('the seeded world has no quiet single-container Deployment');
}

const podsOf = (cluster: string, w: { namespace: string; name: string }) => {
  const snapshot = k8s.snapshotAt(cluster, clock.now());
  return {
    pods: snapshot.pods.filter((p) => p.namespace === w.namespace && p.owner?.name === w.name),
    ooms: snapshot.events.filter((e) => e.reason === 'OOMKilled' && e.namespace === w.namespace),
  };
};

describe('a rightsizing rollout in the sandbox', { timeout: 30_000 }, () => {
  it('OOM-kills pods whose memory request is below what they use, and the rollback brings quiet pods', async () => {
    const { cluster, workload, container, used } = quietDeployment();
    const x = sandboxExecutor(cloud, cluster.name);
    const patchedAt = new Date(clock.now()).toISOString();
    const tooLow = Math.max(8, Math.floor(used / 4));
    await x.patchWorkload({
      type: 'patch-workload',
      kind: 'Deployment',
      namespace: workload.namespace,
      name: workload.name,
      containers: [
        {
          name: container.name,
          requests: { memoryMiB: tooLow },
          ...(container.limits.memoryMiB !== undefined ? { limits: { memoryMiB: tooLow } } : {}),
        },
      ],
    });
    clock.advance(patchOomFirstMs + 2 * patchOomEveryMs + 1_000);
    const starved = podsOf(cluster.name, workload);
    expect(starved.pods.every((p) => p.containers[0]?.requests.memoryMiB === tooLow)).toBe(true);
    const running = starved.pods.filter((p) => p.phase === 'Running');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((p) => (p.containers[0]?.restarts ?? 0) === 3)).toBe(true);
    expect(running.every((p) => p.containers[0]?.lastTerminationReason === 'OOMKilled')).toBe(true);
    const seen = observedSincePatch(
      starved.pods.map((p) => ({ name: p.name, restarts: p.containers[0]?.restarts ?? 0 })),
      {},
      starved.ooms,
      patchedAt,
    );
    expect(seen.oomKills).toBe(3 * running.length);
    expect(seen.restarts).toBe(3 * running.length);

    // The rollback: the requests as they were; the pods roll out again and stay up.
    const rolledBackAt = new Date(clock.now()).toISOString();
    await x.patchWorkload({
      type: 'patch-workload',
      kind: 'Deployment',
      namespace: workload.namespace,
      name: workload.name,
      containers: [
        {
          name: container.name,
          requests: { memoryMiB: container.requests.memoryMiB },
          ...(container.limits.memoryMiB !== undefined
            ? { limits: { memoryMiB: container.limits.memoryMiB } }
            : {}),
        },
      ],
    });
    clock.advance(patchOomFirstMs + 2 * patchOomEveryMs);
    const restored = podsOf(cluster.name, workload);
    expect(
      restored.pods.every((p) => p.containers[0]?.requests.memoryMiB === container.requests.memoryMiB),
    ).toBe(true);
    expect(restored.pods.every((p) => (p.containers[0]?.restarts ?? 0) === 0)).toBe(true);
    expect(restored.ooms.filter((e) => e.at >= rolledBackAt)).toEqual([]);
  });

  it('leaves pods alone when the new request covers what they use', async () => {
    const { cluster, workload, container, used } = quietDeployment();
    const enough = Math.ceil(used * 2);
    await sandboxExecutor(cloud, cluster.name).patchWorkload({
      type: 'patch-workload',
      kind: 'Deployment',
      namespace: workload.namespace,
      name: workload.name,
      containers: [
        {
          name: container.name,
          requests: { memoryMiB: enough },
          ...(container.limits.memoryMiB !== undefined ? { limits: { memoryMiB: enough } } : {}),
        },
      ],
    });
    const patchedAt = new Date(clock.now()).toISOString();
    clock.advance(patchOomFirstMs + 2 * patchOomEveryMs);
    const { pods, ooms } = podsOf(cluster.name, workload);
    expect(pods.every((p) => p.containers[0]?.requests.memoryMiB === enough)).toBe(true);
    expect(pods.every((p) => (p.containers[0]?.restarts ?? 0) === 0)).toBe(true);
    expect(ooms.filter((e) => e.at >= patchedAt)).toEqual([]);
  });
});
