import { readFileSync } from 'node:fs';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesAccessError } from '../src/ports/kubernetes-errors';
import { cpuMilli, memoryMiB, parseQuantity } from '../src/ports/kubernetes-quantity';
import { collectClusterSnapshot, controlPlaneFailure } from '../src/ports/kubernetes-snapshot';
import { type FakeKubernetesApi, startFakeKubernetesApi } from './fixtures/k8s/server';

const now = new Date('2026-07-01T12:00:00.000Z');

function kubeConfig(server: string, token = 'test-token') {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'prod', server, skipTLSVerify: true }],
    users: [{ name: 'spot', token }],
    contexts: [{ name: 'spot', cluster: 'prod', user: 'spot' }],
    currentContext: 'spot',
  });
  return kc;
}

let api: FakeKubernetesApi;
beforeEach(async () => {
  api = await startFakeKubernetesApi();
});
afterEach(async () => {
  await api.close();
});

const collect = (options: { pageSize?: number } = {}) =>
  collectClusterSnapshot(kubeConfig(api.url), {
    clusterName: 'prod',
    source: 'agentless',
    now: () => now,
    accessHint: 'Grant the access entry.',
    ...options,
  });

describe('collectClusterSnapshot against recorded API responses', () => {
  it('reads nodes with their instance, capacity type, group, allocatable, taints, conditions and usage', async () => {
    const s = await collect();
    expect(s).toMatchObject({
      schemaVersion: 1,
      clusterName: 'prod',
      capturedAt: now.toISOString(),
      kubernetesVersion: '1.29',
    });
    expect(
      s.nodes.map((n) => [n.name, n.instanceId, n.instanceType, n.capacityType, n.zone, n.nodeGroup]),
    ).toEqual([
      ['ip-10-0-1-10.ec2.internal', 'i-0a1b2c3d4e5f60001', 'm5.xlarge', 'on-demand', 'us-east-1a', 'general'],
      ['ip-10-0-2-20.ec2.internal', 'i-0a1b2c3d4e5f60002', 'm5.xlarge', 'spot', 'us-east-1b', 'spot-general'],
      ['ip-10-0-3-30.ec2.internal', 'i-0a1b2c3d4e5f60003', 'g4dn.xlarge', 'on-demand', 'us-east-1c', 'gpu'],
    ]);
    const gpu = s.nodes[2];
    expect(gpu?.allocatable).toEqual({
      cpuMilli: 3920,
      memoryMiB: 15111.492,
      pods: 29,
      resources: { 'nvidia.com/gpu': 1000 },
    });
    expect(gpu?.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(gpu?.conditions).toMatchObject({ Ready: 'True', MemoryPressure: 'True' });
    expect(s.nodes[0]?.usage).toEqual({ cpuMilli: 812.346, memoryMiB: 5120 });
    expect(s.nodes[2]?.usage).toEqual({ cpuMilli: 1900, memoryMiB: 13000 });
    // Hugepages and ephemeral storage are not extended resources.
    expect(s.nodes[0]?.allocatable.resources).toEqual({});
    // Only the Node annotations the optimizer reads (a do-not-disrupt mark keeps the node, ADR 0081).
    expect(s.nodes.map((n) => n.annotations)).toEqual([
      {},
      {},
      { 'karpenter.sh/nodepool-hash': '12345678901234567890', 'karpenter.sh/do-not-disrupt': 'true' },
    ]);
  });

  it('resolves pods to their top-level controller with its desired replicas and leaves finished pods out', async () => {
    const s = await collect();
    const owners = Object.fromEntries(s.pods.map((p) => [p.name, p.owner]));
    expect(owners['web-7d9f8c6b5-x2k9p']).toEqual({ kind: 'Deployment', name: 'web', replicas: 2 });
    expect(owners['api-5f6d7c8b9-zzt4r']).toEqual({ kind: 'Deployment', name: 'api', replicas: 3 });
    expect(owners['postgres-0']).toEqual({ kind: 'StatefulSet', name: 'postgres', replicas: 1 });
    expect(owners['aws-node-4xq7d']).toEqual({ kind: 'DaemonSet', name: 'aws-node', replicas: null });
    expect(owners['trainer-7hx2k']).toEqual({ kind: 'Job', name: 'trainer', replicas: null });
    expect(s.pods.map((p) => p.name)).not.toContain('nightly-report-28671840-b6w9q');
    const pending = s.pods.find((p) => p.name === 'api-5f6d7c8b9-zzt4r');
    expect(pending).toMatchObject({ phase: 'Pending', nodeName: null });
  });

  it('reads containers, volumes, selectors, tolerations and only the annotations the engine uses', async () => {
    const s = await collect();
    const web = s.pods.find((p) => p.name === 'web-7d9f8c6b5-x2k9p');
    expect(web?.containers[0]).toEqual({
      name: 'web',
      requests: { cpuMilli: 250, memoryMiB: 256, resources: {} },
      limits: { memoryMiB: 512, resources: {} },
      usage: { cpuMilli: 120, memoryMiB: 300 },
      restarts: 2,
      lastTerminationReason: 'OOMKilled',
    });
    expect(web?.annotations).toEqual({});
    const pg = s.pods.find((p) => p.name === 'postgres-0');
    expect(pg).toMatchObject({
      pvcNames: ['data-postgres-0'],
      qosClass: 'Guaranteed',
      annotations: { 'karpenter.sh/do-not-disrupt': 'true' },
    });
    const trainer = s.pods.find((p) => p.name === 'trainer-7hx2k');
    expect(trainer?.containers[0]?.requests.resources).toEqual({ 'nvidia.com/gpu': 1000 });
    expect(trainer?.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'gpu' });
    expect(trainer?.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('reads the security context the CIS checks need (privileged, root, host namespaces, token automount)', async () => {
    const s = await collect();
    expect(s.pods.find((p) => p.name === 'aws-node-4xq7d')?.security).toEqual({
      privileged: true,
      allowPrivilegeEscalation: true,
      runAsRoot: true,
      hostNetwork: true,
      hostPID: false,
      hostIPC: false,
      serviceAccountName: 'aws-node',
      automountServiceAccountToken: true,
    });
    expect(s.pods.find((p) => p.name === 'postgres-0')?.security).toEqual({
      privileged: false,
      allowPrivilegeEscalation: false,
      runAsRoot: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      serviceAccountName: 'postgres',
      automountServiceAccountToken: false,
    });
    // Nothing declared: the defaults Kubernetes applies (the default service account, its token mounted).
    expect(s.pods.find((p) => p.name === 'web-7d9f8c6b5-x2k9p')?.security).toMatchObject({
      serviceAccountName: 'default',
      automountServiceAccountToken: true,
      runAsRoot: true,
    });
  });

  it('reads node affinity, required pod anti-affinity and topology spread as the pod declares them', async () => {
    const pods = JSON.parse(readFileSync(new URL('./fixtures/k8s/pods.json', import.meta.url), 'utf8')) as {
      items: { metadata: { name: string }; spec: Record<string, unknown> }[];
    };
    const web = pods.items.find((p) => p.metadata.name === 'web-7d9f8c6b5-x2k9p');
    if (!web) throw new Error('fixture changed');
    web.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['2'] }] },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 20,
            preference: {
              matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
            },
          },
        ],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
        ],
        // Preferred anti-affinity costs nothing to ignore: not read.
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: {} } },
        ],
      },
    };
    web.spec.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      },
    ];
    api.serve('/api/v1/pods', pods);
    const s = await collect();
    const read = s.pods.find((p) => p.name === 'web-7d9f8c6b5-x2k9p');
    expect(read?.affinity).toEqual({
      nodeAffinity: {
        required: [
          { matchExpressions: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['2'] }] },
        ],
        preferred: [
          {
            weight: 20,
            preference: {
              matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
            },
          },
        ],
      },
      podAntiAffinity: [
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
      ],
    });
    expect(read?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      },
    ]);
    // Pods that declare none carry no field at all: older snapshots and new ones compare equal.
    const pg = s.pods.find((p) => p.name === 'postgres-0');
    expect(pg && 'affinity' in pg).toBe(false);
    expect(pg && 'topologySpreadConstraints' in pg).toBe(false);
  });

  it('reads PDBs, HPAs (scaled resources) and maps events, with OOM kills from container states', async () => {
    const s = await collect();
    expect(s.pdbs).toEqual([
      { namespace: 'shop', name: 'web', matchLabels: { app: 'web' }, disruptionsAllowed: 1 },
      { namespace: 'db', name: 'postgres', matchLabels: { app: 'postgres' }, disruptionsAllowed: 0 },
    ]);
    expect(s.hpas).toEqual([
      {
        namespace: 'shop',
        name: 'web',
        target: { kind: 'Deployment', name: 'web' },
        metrics: ['cpu', 'custom'],
        minReplicas: 2,
        maxReplicas: 10,
      },
    ]);
    expect(s.events).toEqual([
      {
        reason: 'MemoryPressure',
        objectKind: 'Node',
        objectName: 'ip-10-0-3-30.ec2.internal',
        namespace: null,
        at: '2026-07-01T11:44:12.000Z',
        count: 3,
      },
      {
        reason: 'SpotInterruption',
        objectKind: 'Node',
        objectName: 'ip-10-0-2-20.ec2.internal',
        namespace: null,
        at: '2026-07-01T11:50:00.000Z',
        count: 1,
      },
      {
        reason: 'OOMKilled',
        objectKind: 'Pod',
        objectName: 'web-7d9f8c6b5-x2k9p',
        namespace: 'shop',
        at: '2026-07-01T11:20:01.000Z',
        count: 1,
      },
    ]);
    expect(s.controlPlane.latencyP99Ms).toBeGreaterThan(0);
  });

  it('pages through large lists with limit and continue, with the bearer token on every call', async () => {
    await collect({ pageSize: 2 });
    const podCalls = api.requests.filter((r) => r.path === '/api/v1/pods');
    expect(podCalls.map((r) => r.query.get('continue'))).toEqual([
      null,
      'page-2',
      'page-4',
      'page-6',
      'page-8',
    ]);
    expect(podCalls.every((r) => r.query.get('limit') === '2')).toBe(true);
    expect(api.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    expect(api.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('refuses with what to fix when nodes or pods may not be listed', async () => {
    api.fail('/api/v1/nodes', 403);
    const error = await collect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesAccessError);
    expect((error as KubernetesAccessError).code).toBe('KUBERNETES_ACCESS_DENIED');
    expect((error as Error).message).toMatch(/refused to list nodes \(HTTP 403\)\. Grant the access entry\./);
  });

  it('goes on without metrics-server, PDB access or replica sets (owner from the pod-template-hash)', async () => {
    api.fail('/apis/metrics.k8s.io/v1beta1/nodes', 404);
    api.fail('/apis/metrics.k8s.io/v1beta1/pods', 503);
    api.fail('/apis/policy/v1/poddisruptionbudgets', 403);
    api.fail('/apis/apps/v1/replicasets', 403);
    const s = await collect();
    expect(s.nodes.every((n) => n.usage === null)).toBe(true);
    expect(s.pods.every((p) => p.containers.every((c) => c.usage === null))).toBe(true);
    expect(s.pdbs).toEqual([]);
    // The lists the API server refused (403) are named; a missing API (404, 503) is not a permission.
    expect(s.deniedLists).toEqual(['replicasets.apps', 'poddisruptionbudgets.policy']);
    const web = s.pods.find((p) => p.name === 'web-7d9f8c6b5-q7w4m');
    expect(web?.owner).toEqual({ kind: 'Deployment', name: 'web', replicas: 2 });
    const apiPod = s.pods.find((p) => p.name === 'api-5f6d7c8b9-zzt4r');
    expect(apiPod?.owner).toEqual({ kind: 'Deployment', name: 'api', replicas: 3 });
    api.fail('/apis/apps/v1/deployments', 403);
    const counted = await collect();
    expect(counted.pods.find((p) => p.name === 'api-5f6d7c8b9-zzt4r')?.owner).toEqual({
      kind: 'Deployment',
      name: 'api',
      replicas: 1,
    });
    expect(counted.deniedLists).toEqual([
      'replicasets.apps',
      'deployments.apps',
      'poddisruptionbudgets.policy',
    ]);
  });
});

describe('the control plane error ratio (ADR 0086)', () => {
  it('is 0 when every call was answered, a 403 or 404 included (an answer about access, not a failure)', async () => {
    expect((await collect()).controlPlane.errorRatio).toBe(0);
    api.fail('/apis/policy/v1/poddisruptionbudgets', 403);
    api.fail('/apis/metrics.k8s.io/v1beta1/nodes', 404);
    expect((await collect()).controlPlane.errorRatio).toBe(0);
  });

  it('counts the calls answered 5xx or 429 or not answered, over every call it timed', async () => {
    // The 10 reads: /version, nodes, pods, and the 7 optional lists; 3 of them fail.
    api.fail('/apis/metrics.k8s.io/v1beta1/pods', 503);
    api.fail('/api/v1/events', 429);
    api.hangUp('/apis/autoscaling/v2/horizontalpodautoscalers');
    api.fail('/apis/apps/v1/replicasets', 403);
    const s = await collect();
    expect(s.controlPlane.errorRatio).toBe(0.3);
    // Node events come from the failed events list; OOM kills from the pods, which were read.
    expect(s.events.map((e) => e.reason)).toEqual(['OOMKilled']);
    expect(s.hpas).toEqual([]);
    // A refused list is named; a failed one is not a permission.
    expect(s.deniedLists).toEqual(['replicasets.apps']);
  });

  it('says which failures are the control plane’s', () => {
    expect(controlPlaneFailure(new ApiException(503, 'unavailable', {}, {}))).toBe(true);
    expect(controlPlaneFailure(new ApiException(500, 'internal', {}, {}))).toBe(true);
    expect(controlPlaneFailure(new ApiException(429, 'throttled', {}, {}))).toBe(true);
    expect(controlPlaneFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    for (const code of [401, 403, 404, 409])
      expect(controlPlaneFailure(new ApiException(code, 'answered', {}, {}))).toBe(false);
  });
});

describe('Kubernetes quantities', () => {
  it('parses the suffixes the API server writes', () => {
    expect(cpuMilli('250m')).toBe(250);
    expect(cpuMilli('2')).toBe(2000);
    expect(cpuMilli('0.5')).toBe(500);
    expect(cpuMilli('812345678n')).toBe(812.346);
    expect(cpuMilli('1500u')).toBe(1.5);
    expect(memoryMiB('128Mi')).toBe(128);
    expect(memoryMiB('1Gi')).toBe(1024);
    expect(memoryMiB('1G')).toBe(953.674);
    expect(memoryMiB('15474168Ki')).toBe(15111.492);
    expect(memoryMiB('1e9')).toBe(953.674);
    expect(parseQuantity('12x')).toBeNull();
    expect(cpuMilli(undefined)).toBe(0);
  });

  it('reads back what it formats, for every binary and decimal suffix', () => {
    const binary = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 } as const;
    const decimal = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(...Object.keys(binary), ...Object.keys(decimal)),
        (n, suffix) => {
          const factor =
            (binary as Record<string, number>)[suffix] ?? (decimal as Record<string, number>)[suffix] ?? 0;
          expect(parseQuantity(`${n}${suffix}`)).toBeCloseTo(n * factor, 6);
        },
      ),
    );
  });
});
