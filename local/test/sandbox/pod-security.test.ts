import { evaluateCompliance, workloadSecurityOf } from '@spot/shared/cluster-detail/compliance';
import { describe, expect, it } from 'vitest';
import { testSandbox } from './fixtures';

/** The sandbox's pods carry security contexts, so the Compliance tab finds real violations (ADR 0052). */
const { cloud } = testSandbox();
const at = new Date('2026-03-04T17:25:00Z');

describe('sandbox pod security contexts', { timeout: 30_000 }, () => {
  it('runs aws-node and kube-proxy privileged on the host network, and mixes the workloads deterministically', () => {
    const cluster = cloud.world.clusters[0];
    if (!cluster) throw new Error('no sandbox cluster');
    const snapshot = cloud.kubernetes.snapshotAt(cluster.arn, at);
    expect(snapshot.pods.every((p) => p.security !== undefined)).toBe(true);
    const awsNode = snapshot.pods.find((p) => p.owner?.name === 'aws-node');
    expect(awsNode?.security).toMatchObject({
      privileged: true,
      hostNetwork: true,
      serviceAccountName: 'aws-node',
    });
    const workloads = snapshot.pods.filter((p) => p.owner && p.owner.kind !== 'DaemonSet');
    const rootShare = workloads.filter((p) => p.security?.runAsRoot).length / workloads.length;
    expect(rootShare).toBeGreaterThan(0);
    expect(rootShare).toBeLessThan(0.6);
    // Pods of one workload share their template's context.
    const byOwner = new Map<string, string>();
    for (const p of workloads) {
      const key = `${p.namespace}/${p.owner?.kind}/${p.owner?.name}`;
      const value = JSON.stringify(p.security);
      expect(byOwner.get(key) ?? value).toBe(value);
      byOwner.set(key, value);
    }
    // The same instant gives the same contexts.
    expect(cloud.kubernetes.snapshotAt(cluster.arn, at).pods.map((p) => p.security)).toEqual(
      snapshot.pods.map((p) => p.security),
    );
  });

  it('fails CIS 4.2.1 and 4.2.4 on the kube-system DaemonSets once folded per workload', () => {
    const cluster = cloud.world.clusters[0];
    if (!cluster) throw new Error('no sandbox cluster');
    const snapshot = cloud.kubernetes.snapshotAt(cluster.arn, at);
    const groups = new Map<string, typeof snapshot.pods>();
    for (const p of snapshot.pods) {
      const key = `${p.namespace}#${p.owner?.kind ?? 'Pod'}#${p.owner?.name ?? p.name}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    const report = evaluateCompliance('c', {
      workloads: [...groups].map(([key, pods]) => {
        const [namespace = '', kind = '', name = ''] = key.split('#');
        return {
          namespace,
          kind,
          name,
          replicas: pods.length,
          security: workloadSecurityOf(pods),
          limitCpuMilli: 1,
          limitMemoryMiB: 1,
        };
      }),
      endpointPublicAccess: true,
      publicAccessCidrs: ['0.0.0.0/0'],
      evaluatedAt: at.toISOString(),
    });
    const rule = (id: string) => report.findings.find((f) => f.ruleId === id);
    expect(rule('4.2.1')?.objects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['aws-node', 'kube-proxy']),
    );
    expect(rule('4.2.4')?.status).toBe('fail');
  });
});
