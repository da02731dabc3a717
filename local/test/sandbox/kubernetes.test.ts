import { clusterSnapshotSchema } from '@spot/shared/model/cluster-snapshot';
import type { NodeSelectorTerm } from '@spot/shared/packing/selectors';
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/sandbox/cycles';
import { unfitReason } from '../../src/sandbox/scheduler';
import { keyTarget, testSandbox, WEEKDAY_NOON_NY } from './fixtures';

const { cloud } = testSandbox();
const k8s = cloud.kubernetes;
const at = new Date('2026-03-04T17:25:00Z');
/** Snapshots of every cluster at `at`, taken once for the tests that read them. */
let snapshots: ReturnType<typeof k8s.snapshotAt>[] | undefined;
const allSnapshots = () => {
  snapshots ??= cloud.world.clusters.map((c) => k8s.snapshotAt(c.arn, at));
  return snapshots;
};

describe('cluster snapshots', { timeout: 30_000 }, () => {
  it('validate against the ClusterSnapshot schema (prod, staging, GPU and tiny dev clusters)', () => {
    const names = [
      'prod-payments-use1',
      'staging-storefront-use1',
      'dev-data-science-usw2',
      'dev-sandbox-usw2',
    ];
    for (const [i, cluster] of cloud.world.clusters.entries()) {
      if (!names.includes(cluster.name)) continue;
      const snapshot = allSnapshots()[i];
      const parsed = clusterSnapshotSchema.safeParse(snapshot);
      expect(parsed.success, `${cluster.name}: ${parsed.error?.message}`).toBe(true);
      expect(snapshot?.source).toBe('sandbox');
      expect(snapshot?.clusterName).toBe(cluster.name);
      expect(snapshot?.nodes.length).toBeGreaterThan(0);
    }
  });

  it('gives some workloads realistic scheduling constraints, the same on every pod of a workload', () => {
    const seen = { anti: 0, zoneSpread: 0, hostSpread: 0, required: 0, preferred: 0 };
    for (const snapshot of allSnapshots()) {
      const byWorkload = new Map<string, string>();
      for (const pod of snapshot.pods) {
        if (!pod.owner || pod.owner.kind === 'DaemonSet' || pod.owner.kind === 'Node') continue;
        const text = JSON.stringify([pod.affinity ?? null, pod.topologySpreadConstraints ?? null]);
        const key = `${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`;
        expect(byWorkload.get(key) ?? text, key).toBe(text);
        byWorkload.set(key, text);
        if (pod.affinity?.podAntiAffinity) seen.anti++;
        if (pod.affinity?.nodeAffinity?.required) seen.required++;
        if (pod.affinity?.nodeAffinity?.preferred) seen.preferred++;
        for (const t of pod.topologySpreadConstraints ?? [])
          if (t.topologyKey === 'kubernetes.io/hostname') seen.hostSpread++;
          else seen.zoneSpread++;
        // Selectors select the workload's own pods.
        for (const t of [...(pod.affinity?.podAntiAffinity ?? []), ...(pod.topologySpreadConstraints ?? [])])
          expect(t.labelSelector.matchLabels?.app).toBe(pod.labels.app);
      }
    }
    for (const [kind, count] of Object.entries(seen)) expect(count, kind).toBeGreaterThan(0);
  });

  it('never places more requests on a node than it can allocate', () => {
    const problems: string[] = [];
    for (const snapshot of allSnapshots()) {
      const load = new Map<string, { cpu: number; memory: number; pods: number; gpu: number }>();
      for (const pod of snapshot.pods) {
        if (pod.phase !== 'Running') continue;
        if (pod.nodeName === null) problems.push(`${pod.name} runs nowhere`);
        const l = load.get(pod.nodeName ?? '') ?? { cpu: 0, memory: 0, pods: 0, gpu: 0 };
        for (const c of pod.containers) {
          l.cpu += c.requests.cpuMilli;
          l.memory += c.requests.memoryMiB;
          l.gpu += c.requests.resources['nvidia.com/gpu'] ?? 0;
        }
        l.pods++;
        load.set(pod.nodeName ?? '', l);
      }
      for (const node of snapshot.nodes) {
        const l = load.get(node.name);
        if (!l) continue;
        const a = node.allocatable;
        if (l.cpu > a.cpuMilli || l.memory > a.memoryMiB || l.pods > a.pods)
          problems.push(`${snapshot.clusterName}/${node.name} over-committed`);
        if (l.gpu > (a.resources['nvidia.com/gpu'] ?? 0)) problems.push(`${node.name}: GPUs over-committed`);
      }
      if (new Set(snapshot.nodes.map((n) => n.name)).size !== snapshot.nodes.length)
        problems.push(`${snapshot.clusterName}: duplicate node names`);
    }
    expect(problems).toEqual([]);
  });

  it('runs every pod on a node its selector and required affinity match and whose hard taints it tolerates', () => {
    const problems: string[] = [];
    for (const snapshot of allSnapshots()) {
      const nodes = new Map(snapshot.nodes.map((n) => [n.name, n]));
      for (const pod of snapshot.pods) {
        if (pod.phase !== 'Running' || !pod.owner || pod.owner.kind === 'DaemonSet') continue;
        const node = nodes.get(pod.nodeName ?? '');
        if (!node) {
          problems.push(`${pod.name} runs on no listed node`);
          continue;
        }
        const scheduling = { nodeSelector: pod.nodeSelector, tolerations: pod.tolerations };
        const reason = unfitReason(
          {
            cpuMilli: 0,
            memoryMiB: 0,
            gpuMilli: 0,
            ...scheduling,
            requiredNodeAffinity: pod.affinity?.nodeAffinity?.required as NodeSelectorTerm[] | undefined,
          },
          {
            labels: node.labels,
            taints: node.taints,
            free: { cpuMilli: 1, memoryMiB: 1, pods: 1, gpuMilli: 1 },
          },
        );
        if (reason !== null) problems.push(`${snapshot.clusterName}: ${pod.name} on ${node.name}: ${reason}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('labels nodes as EKS, Karpenter and the kubelet do, and taints GPU nodes', () => {
    const nodes = allSnapshots().flatMap((s) => s.nodes);
    const unlabelled = nodes.filter(
      (n) =>
        n.labels['node.kubernetes.io/instance-type'] !== n.instanceType ||
        n.labels['topology.kubernetes.io/zone'] !== n.zone ||
        !['amd64', 'arm64'].includes(n.labels['kubernetes.io/arch'] ?? ''),
    );
    expect(unlabelled).toEqual([]);
    const managed = nodes.find((n) => n.labels['eks.amazonaws.com/nodegroup']);
    expect(managed?.labels['eks.amazonaws.com/capacityType']).toMatch(/^(ON_DEMAND|SPOT)$/);
    const karpenter = nodes.filter((n) => n.labels['karpenter.sh/nodepool']);
    expect(karpenter.length).toBeGreaterThan(0);
    for (const n of karpenter) expect(n.labels['karpenter.sh/capacity-type']).toBe(n.capacityType);
    const gpu = nodes.filter((n) => (n.allocatable.resources['nvidia.com/gpu'] ?? 0) > 0);
    expect(gpu.length).toBeGreaterThan(0);
    for (const n of gpu)
      expect(n.taints).toContainEqual({ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' });
  });

  it('reports usage below requests, PDBs, HPAs and control-plane figures', () => {
    const snapshot = allSnapshots()[0] ?? k8s.snapshotAt('prod-storefront-use1', at);
    expect(snapshot.clusterName).toBe('prod-storefront-use1');
    const running = snapshot.pods.filter((p) => p.phase === 'Running');
    expect(running.length).toBe(snapshot.pods.length);
    const requested = running.flatMap((p) => p.containers).reduce((s, c) => s + c.requests.cpuMilli, 0);
    const used = running.flatMap((p) => p.containers).reduce((s, c) => s + (c.usage?.cpuMilli ?? 0), 0);
    expect(used).toBeGreaterThan(0);
    expect(requested / used).toBeGreaterThan(1.5);
    expect(snapshot.pdbs.some((p) => p.disruptionsAllowed === 0)).toBe(true);
    expect(snapshot.hpas.every((h) => h.minReplicas <= h.maxReplicas)).toBe(true);
    expect(snapshot.hpas.some((h) => h.metrics.includes('cpu'))).toBe(true);
    expect(snapshot.pods.some((p) => p.annotations['karpenter.sh/do-not-disrupt'] === 'true')).toBe(true);
    expect(snapshot.pods.some((p) => p.owner?.kind === 'DaemonSet')).toBe(true);
    expect(snapshot.controlPlane.latencyP99Ms).toBeGreaterThan(0);
    expect(snapshot.controlPlane.requestsPerMinute).toBeGreaterThan(0);
    const errorRatio = snapshot.controlPlane.errorRatio ?? -1;
    expect(errorRatio >= 0 && errorRatio < 0.01).toBe(true);
  });

  it('fails a few API requests, many more in the hours its latency spikes, the same for a seed (ADR 0086)', () => {
    const sim = cloud.simulation;
    const firstHour = Math.floor(at.getTime() / HOUR_MS) - 24 * 60;
    const normal: number[] = [];
    const spiked: number[] = [];
    for (const cluster of cloud.world.clusters.slice(0, 6)) {
      for (let h = firstHour; h < firstHour + 24 * 60; h++) {
        const cp = sim.controlPlane(cluster, h, 20, 60);
        expect(sim.controlPlane(cluster, h, 20, 60)).toEqual(cp);
        expect(cp.errorRatio >= 0 && cp.errorRatio <= 0.2).toBe(true);
        // A spike multiplies the p99 by 4-12: well over twice the base, jitter and load included.
        (cp.latencyP99Ms > 2.5 * cluster.baseLatencyMs ? spiked : normal).push(cp.errorRatio);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(spiked.length).toBeGreaterThan(0);
    // Quiet hours: below 0.2 % (a health factor of 96 or more); spike hours: 1.5 % or more.
    expect(Math.max(...normal)).toBeLessThan(0.002);
    expect(Math.min(...spiked)).toBeGreaterThanOrEqual(0.015);
    expect(mean(spiked)).toBeGreaterThan(10 * mean(normal));
    // More load, more failures, in the same hour.
    const h = firstHour + 5;
    const cluster = cloud.world.clusters[0];
    if (cluster)
      expect(sim.controlPlane(cluster, h, 400, 600).errorRatio).toBeGreaterThan(
        sim.controlPlane(cluster, h, 5, 0).errorRatio,
      );
  });

  it('is the same when asked twice, and agrees with the cloud inventory', async () => {
    const a = k8s.snapshotAt('dev-platform-use1', at);
    expect(k8s.snapshotAt('dev-platform-use1', at)).toEqual(a);
    const { cloud: twin, clock } = testSandbox();
    clock.set(at);
    const instances = await twin.describeInstances(keyTarget(twin, 1, 'us-east-1'));
    const ids = new Set(
      instances.filter((i) => i.clusterName === 'dev-platform-use1').map((i) => i.instanceId),
    );
    expect(new Set(a.nodes.map((n) => n.instanceId))).toEqual(ids);
  });
});

describe('history back-fill', { timeout: 30_000 }, () => {
  const to = new Date(Math.floor(WEEKDAY_NOON_NY.getTime() / HOUR_MS) * HOUR_MS);
  const from = new Date(to.getTime() - 30 * 24 * HOUR_MS);
  let histories: ReturnType<typeof k8s.historyHourly>[] | undefined;
  const allHistories = () => {
    histories ??= cloud.world.clusters.map((c) => k8s.historyHourly(c.name, from, to, { workloads: false }));
    return histories;
  };

  it('has 720 hourly samples per cluster, consistent with the capacity', () => {
    for (const samples of allHistories()) {
      expect(samples).toHaveLength(720);
      expect(samples[0]?.hour).toBe(from.toISOString());
      expect(samples[719]?.hour).toBe(new Date(to.getTime() - HOUR_MS).toISOString());
      const odd = samples.filter(
        (s) =>
          s.requestedCpuMilli > s.capacityCpuMilli ||
          s.usedCpuMilli <= 0 ||
          s.nodes.reduce((sum, n) => sum + n.count, 0) === 0 ||
          s.apiRequestRate <= 0,
      );
      expect(odd).toEqual([]);
    }
  });

  it('counts the same nodes as a snapshot at the start of the hour', () => {
    const [sample] = k8s.historyHourly('prod-payments-use1', new Date(to.getTime() - HOUR_MS), to);
    const snapshot = k8s.snapshotAt('prod-payments-use1', new Date(to.getTime() - HOUR_MS));
    expect(sample?.nodes.reduce((sum, n) => sum + n.count, 0)).toBe(snapshot.nodes.length);
    expect(sample?.capacityCpuMilli).toBe(snapshot.nodes.reduce((sum, n) => sum + n.allocatable.cpuMilli, 0));
  });

  it('carries per-workload hours and daily figures with p50 <= p95 <= max', () => {
    const samples = k8s.historyHourly('staging-storefront-use1', from, to);
    expect(samples.every((s) => s.workloads.length > 0)).toBe(true);
    const daily = k8s.workloadDaily('staging-storefront-use1', from, to);
    expect(daily.length).toBeGreaterThan(0);
    for (const d of daily) {
      expect(d.cpuP50Milli).toBeLessThanOrEqual(d.cpuP95Milli);
      expect(d.cpuP95Milli).toBeLessThanOrEqual(d.cpuMaxMilli + 1e-6);
      expect(d.memoryPeakMiB).toBeGreaterThan(0);
    }
    // Requests exceed what is used: the median workload asks for well over its p95.
    const ratios = daily
      .filter((d) => d.requestCpuMilli > 0)
      .map((d) => d.requestCpuMilli / Math.max(1, d.cpuP95Milli))
      .sort((a, b) => a - b);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeGreaterThan(1.5);
  });

  it('keeps control-plane latency mostly between 50 and 300 ms, with occasional spikes', () => {
    const latencies = allHistories().flatMap((samples) => samples.map((s) => s.apiLatencyP99Ms ?? 0));
    const normal = latencies.filter((l) => l >= 50 && l <= 300).length / latencies.length;
    expect(normal).toBeGreaterThan(0.9);
    expect(Math.max(...latencies)).toBeGreaterThan(400);
  });
});
