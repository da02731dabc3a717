import { CommandRunner, KubernetesForbiddenError } from '@spot/agent/commands';
import { defaultAgentDeployment } from '@spot/agent/config';
import { clusterSnapshotSchema } from '@spot/shared/model/cluster-snapshot';
import { describe, expect, it } from 'vitest';
import {
  imageRelease,
  pdbViolationMessage,
  replacementStartMs,
  sandboxExecutor,
} from '../../src/sandbox/agent-writes';
import { keyTarget, testSandbox } from './fixtures';

/**
 * The sandbox's Kubernetes model under the agent's write mode (issue 14): evictions honour the seeded
 * PodDisruptionBudgets (429 → `wait`), a patch of requests rolls out (new pods, new requests, same
 * usage), cordon taints the node, an applied NodePool sets the pool's limit.
 */
const { cloud, clock } = testSandbox();
const k8s = cloud.kubernetes;
const snap = (cluster: string) => k8s.snapshotAt(cluster, clock.now());

/** A Deployment with a PodDisruptionBudget allowing exactly one disruption, and its running pods. */
function budgetedDeployment() {
  for (const cluster of cloud.world.clusters) {
    const snapshot = snap(cluster.name);
    for (const w of cluster.workloads) {
      if (w.kind !== 'Deployment' || w.pdb?.maxUnavailable !== 1) continue;
      const budget = snapshot.pdbs.find((b) => b.namespace === w.namespace && b.name === w.pdb?.name);
      const pods = snapshot.pods.filter(
        (p) => p.namespace === w.namespace && p.owner?.name === w.name && p.phase === 'Running',
      );
      if (budget?.disruptionsAllowed === 1 && pods.length >= 3) return { cluster, workload: w, pods };
    }
  }
  throw new Error('the seeded world has no Deployment with a one-disruption budget');
}

describe('evictions honour PodDisruptionBudgets', { timeout: 30_000 }, () => {
  it('evicts one pod, refuses the next like the API’s 429 until the replacement runs, then allows it', async () => {
    const { cluster, workload, pods } = budgetedDeployment();
    const x = sandboxExecutor(cloud, cluster.name);
    const [first, second] = pods as [(typeof pods)[number], (typeof pods)[number]];
    expect(await x.evict(workload.namespace, first.name)).toEqual({ outcome: 'evicted' });
    // The evicted pod is gone; its replacement (a new name) is Pending while it starts.
    const after = snap(cluster.name);
    expect(clusterSnapshotSchema.safeParse(after).success).toBe(true);
    expect(after.pods.some((p) => p.name === first.name)).toBe(false);
    const mine = after.pods.filter(
      (p) => p.namespace === workload.namespace && p.owner?.name === workload.name,
    );
    expect(mine.filter((p) => p.phase === 'Pending').length).toBeGreaterThanOrEqual(1);
    expect(after.pdbs.find((b) => b.name === workload.pdb?.name)?.disruptionsAllowed).toBe(0);
    expect(await x.evict(workload.namespace, second.name)).toEqual({
      outcome: 'blocked',
      message: pdbViolationMessage,
    });
    // Evicting the same pod again (a retry) finds it gone: nothing is evicted twice.
    expect(await x.evict(workload.namespace, first.name)).toEqual({ outcome: 'gone' });
    clock.advance(replacementStartMs + 1_000);
    expect(snap(cluster.name).pdbs.find((b) => b.name === workload.pdb?.name)?.disruptionsAllowed).toBe(1);
    expect(await x.evict(workload.namespace, second.name)).toEqual({ outcome: 'evicted' });
  });

  it('refuses every eviction of a workload whose budget allows none (maxUnavailable 0)', async () => {
    for (const cluster of cloud.world.clusters) {
      const w = cluster.workloads.find((x) => x.pdb?.maxUnavailable === 0 && x.kind !== 'CronJob');
      if (!w) continue;
      const pod = snap(cluster.name).pods.find(
        (p) => p.namespace === w.namespace && p.owner?.name === w.name,
      );
      if (!pod) continue;
      expect(await sandboxExecutor(cloud, cluster.name).evict(w.namespace, pod.name)).toMatchObject({
        outcome: 'blocked',
      });
      return;
    }
    throw new Error('the seeded world has no workload with a zero-disruption budget');
  });
});

describe('a workload patch rolls out', { timeout: 30_000 }, () => {
  it('gives the pods new names and the new requests, and keeps what they use', async () => {
    const cluster = cloud.world.clusters[0] as (typeof cloud.world.clusters)[number];
    const w = cluster.workloads.find(
      (x) => x.kind === 'Deployment' && (x.containers[0]?.requests.cpuMilli ?? 0) >= 200,
    );
    if (!w) throw new Error('no Deployment with a CPU request');
    const container = w.containers[0] as (typeof w.containers)[number];
    const podsOf = () =>
      snap(cluster.name).pods.filter((p) => p.namespace === w.namespace && p.owner?.name === w.name);
    const before = podsOf();
    const newCpu = Math.round(container.requests.cpuMilli / 2);
    await sandboxExecutor(cloud, cluster.name).patchWorkload({
      type: 'patch-workload',
      kind: 'Deployment',
      namespace: w.namespace,
      name: w.name,
      containers: [{ name: container.name, requests: { cpuMilli: newCpu, memoryMiB: 300 } }],
    });
    clock.advance(1_000);
    const after = podsOf();
    expect(after.length).toBe(before.length);
    const names = new Set(before.map((p) => p.name));
    expect(after.every((p) => !names.has(p.name))).toBe(true);
    for (const pod of after) {
      const c = pod.containers.find((x) => x.name === container.name);
      expect(c?.requests).toMatchObject({ cpuMilli: newCpu, memoryMiB: 300 });
    }
    const usage = (pods: typeof before) =>
      pods.reduce(
        (sum, p) => sum + (p.containers.find((c) => c.name === container.name)?.usage?.cpuMilli ?? 0),
        0,
      );
    // Same workload, same hour: the usage is what it was (rounding and per-pod jitter aside).
    expect(Math.abs(usage(after) - usage(before))).toBeLessThan(Math.max(5, usage(before) * 0.2));
  });

  it('refuses a workload that does not exist, as the API’s 404', async () => {
    const cluster = cloud.world.clusters[0] as (typeof cloud.world.clusters)[number];
    await expect(
      sandboxExecutor(cloud, cluster.name).patchWorkload({
        type: 'patch-workload',
        kind: 'StatefulSet',
        namespace: 'nowhere',
        name: 'ghost',
        containers: [{ name: 'ghost', requests: { cpuMilli: 100 } }],
      }),
    ).rejects.toThrow('not found');
  });
});

describe('cordon and Karpenter objects', { timeout: 30_000 }, () => {
  it('taints a cordoned node and removes the taint on uncordon', async () => {
    const cluster = cloud.world.clusters[0] as (typeof cloud.world.clusters)[number];
    const node = snap(cluster.name).nodes[0]?.name as string;
    const x = sandboxExecutor(cloud, cluster.name);
    const tainted = () =>
      snap(cluster.name)
        .nodes.find((n) => n.name === node)
        ?.taints.some((t) => t.key === 'node.kubernetes.io/unschedulable') ?? false;
    await x.setUnschedulable(node, true);
    expect(tainted()).toBe(true);
    await x.setUnschedulable(node, false);
    expect(tainted()).toBe(false);
    await expect(x.setUnschedulable('no-such-node', true)).rejects.toThrow('not found');
  });

  it('shows a Node annotation a person put on it (kubectl annotate node), and its removal', () => {
    const cluster = cloud.world.clusters[0] as (typeof cloud.world.clusters)[number];
    const [node, other] = snap(cluster.name).nodes.map((n) => n.name) as [string, string];
    const annotationsOf = (name: string) =>
      snap(cluster.name).nodes.find((n) => n.name === name)?.annotations;
    expect(annotationsOf(node)).toEqual({});
    k8s.writes.annotateNode(cluster.name, node, 'karpenter.sh/do-not-disrupt', 'true');
    expect(annotationsOf(node)).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    expect(annotationsOf(other)).toEqual({});
    expect(clusterSnapshotSchema.safeParse(snap(cluster.name)).success).toBe(true);
    k8s.writes.annotateNode(cluster.name, node, 'karpenter.sh/do-not-disrupt', null);
    expect(annotationsOf(node)).toEqual({});
  });

  it('keeps an applied NodePool and sets the pool’s CPU limit the port reports', async () => {
    const cluster = cloud.world.clusters.find((c) => c.nodeGroups.some((g) => g.kind === 'karpenter'));
    if (!cluster) throw new Error('no cluster with a Karpenter NodePool');
    const pool = cluster.nodeGroups.find((g) => g.kind === 'karpenter')?.name as string;
    const manifest = {
      apiVersion: 'karpenter.sh/v1' as const,
      kind: 'NodePool' as const,
      metadata: { name: pool },
      spec: { limits: { cpu: '123' }, template: { spec: { requirements: [] } } },
    };
    await sandboxExecutor(cloud, cluster.name).applyKarpenter(manifest);
    expect(k8s.writes.karpenterObjects(cluster.name)).toEqual([manifest]);
    const account = cloud.accounts.findIndex((a) => a.awsAccountId === cluster.awsAccountId);
    const pools = cloud.nodePools(keyTarget(cloud, account, cluster.region), cluster.name);
    expect(pools.find((p) => p.name === pool)?.cpuLimit).toBe('123');
  });
});

describe('the agent’s own Deployment (Upgrade agent, ADR 0085)', () => {
  const repository = 'ghcr.io/spot-optimizer/spot-optimizer-agent';
  const upgrade = { type: 'upgrade-agent', version: '0.2.0' } as const;
  const none = { namespaces: [], labels: [] };
  const runner = (clusterName: string, writeMode: boolean, version = '0.0.9') =>
    new CommandRunner(
      { apiUrl: 'http://127.0.0.1:1', token: 'spot_agt_sandbox', writeMode: true, version },
      { executor: sandboxExecutor(cloud, clusterName, { writeMode }), fetch, log: () => {} },
    );

  it('sets the image once and tells the rollout; a retry or a second agent patches nothing', async () => {
    const cluster = cloud.world.clusters[0]?.name ?? '';
    k8s.writes.installAgentDeployment(cluster, {
      ...defaultAgentDeployment,
      image: `${repository}:0.0.9`,
      annotations: {},
    });
    const rolled: string[] = [];
    const off = k8s.writes.onAgentImage((c, image) => rolled.push(`${c} ${image}`));
    const result = await runner(cluster, true).execute(upgrade, none, false, 'upgrade-agent:0.2.0:r1');
    expect(result.outcome).toBe('succeeded');
    expect(result.reason).toMatch(/^rolling out 0\.2\.0 /);
    expect(k8s.writes.agentDeployment(cluster)).toMatchObject({
      image: `${repository}:0.2.0`,
      annotations: {
        'spot-optimizer.io/agent-upgraded-to': '0.2.0',
        'spot-optimizer.io/agent-upgraded-from': `${repository}:0.0.9`,
        'spot-optimizer.io/agent-upgrade-command': 'upgrade-agent:0.2.0:r1',
      },
    });
    expect(await runner(cluster, true).execute(upgrade, none)).toMatchObject({ outcome: 'succeeded' });
    expect(rolled).toEqual([`${cluster} ${repository}:0.2.0`]);
    expect(imageRelease(k8s.writes.agentDeployment(cluster)?.image ?? '')).toBe('0.2.0');
    off();
  });

  it('is a 403 without write mode’s Role, or with its patch taken away: refused, nothing changes', async () => {
    const cluster = cloud.world.clusters[1]?.name ?? '';
    k8s.writes.installAgentDeployment(cluster, {
      ...defaultAgentDeployment,
      image: `${repository}:0.0.9`,
      annotations: {},
    });
    await expect(
      sandboxExecutor(cloud, cluster, { writeMode: false }).agentDeployment(defaultAgentDeployment),
    ).rejects.toBeInstanceOf(KubernetesForbiddenError);
    const readOnly = await runner(cluster, false).execute(upgrade, none);
    expect(readOnly.outcome).toBe('refused');
    expect(readOnly.reason).toContain('get deployment spot-optimizer/spot-optimizer-agent: HTTP 403');
    cloud.rbac.set(cluster, ['agent'], 'patch', 'deployments.apps', false);
    try {
      const revoked = await runner(cluster, true).execute(upgrade, none);
      expect(revoked.outcome).toBe('refused');
      expect(revoked.reason).toContain('patch deployment spot-optimizer/spot-optimizer-agent: HTTP 403');
      expect(revoked.reason).toContain('Or run: helm upgrade spot-optimizer-agent');
    } finally {
      cloud.rbac.set(cluster, ['agent'], 'patch', 'deployments.apps', true);
    }
    expect(k8s.writes.agentDeployment(cluster)?.image).toBe(`${repository}:0.0.9`);
  });
});
