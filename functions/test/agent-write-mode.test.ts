import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import { Agent } from '@spot/agent/agent';
import {
  CommandRunner,
  imageRepository,
  type KubernetesExecutor,
  KubernetesForbiddenError,
  type PatchWorkloadCommand,
} from '@spot/agent/commands';
import { agentVersion, loadConfig } from '@spot/agent/config';
import { agentImagePatchBody, workloadPatchBody } from '@spot/agent/kubernetes-executor';
import { type AgentCommandSpec, type AgentExemptions, agentChartVersion } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * The agent's write mode (issue 14, ADR 0037), without a network: Spot Optimizer's command routes are a
 * fetch stub, Kubernetes a recording executor.
 */

const exemptions: AgentExemptions = {
  namespaces: ['kube-system'],
  labels: [{ key: 'spot.io/do-not-touch' }, { key: 'tier', value: 'critical' }],
};

interface Delivered {
  id: string;
  command: AgentCommandSpec;
}

/** The two command routes: each poll answers the next batch; results are recorded. */
function fakeApi(
  batches: Delivered[][],
  options: { maintenance?: boolean; resultStatus?: number[]; exemptions?: AgentExemptions | null } = {},
) {
  const posted: { id: string; body: { outcome: string; reason: string | null } }[] = [];
  const requests: string[] = [];
  const fetchStub = (async (url: string | URL, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    requests.push(`${init?.method ?? 'GET'} ${path}`);
    if (init?.method === 'POST') {
      const id = decodeURIComponent(path.split('/')[4] ?? '');
      posted.push({ id, body: JSON.parse(String(init.body)) });
      const status = options.resultStatus?.shift() ?? 200;
      return new Response(JSON.stringify({}), { status });
    }
    const commands = (batches.shift() ?? []).map((c) => ({
      ...c,
      leaseUntil: '2027-01-01T00:05:00.000Z',
      attempt: 1,
    }));
    return new Response(
      JSON.stringify({
        clusterId: 'eks-1',
        commands,
        exemptions: options.exemptions === undefined ? exemptions : options.exemptions,
        maintenance: options.maintenance ?? false,
        serverTime: '2027-01-01T00:00:00.000Z',
      }),
      { status: 200 },
    );
  }) as typeof fetch;
  return { fetch: fetchStub, posted, requests };
}

/** A cluster with pods and workloads; records every write. */
function recordingExecutor(overrides: Partial<KubernetesExecutor> = {}) {
  const writes: string[] = [];
  // The agent's own Deployment, from a private registry with a port (its colon is not a tag).
  let agentImage = `registry.example.com:5000/team/spot-optimizer-agent:${agentVersion}`;
  const annotations: Record<string, string> = {};
  const pods = new Map<string, Record<string, string>>([
    ['shop/web-1', { app: 'web' }],
    ['shop/web-2', { app: 'web' }],
    ['shop/db-0', { app: 'db', tier: 'critical' }],
    ['kube-system/coredns-1', { app: 'coredns' }],
  ]);
  const executor: KubernetesExecutor = {
    async setUnschedulable(node, unschedulable) {
      writes.push(`${unschedulable ? 'cordon' : 'uncordon'} ${node}`);
    },
    async podLabels(namespace, pod) {
      return pods.get(`${namespace}/${pod}`) ?? null;
    },
    async evict(namespace, pod) {
      writes.push(`evict ${namespace}/${pod}`);
      pods.delete(`${namespace}/${pod}`);
      return { outcome: 'evicted' };
    },
    async workloadTemplateLabels(_kind, namespace, name): Promise<Record<string, string> | null> {
      if (name === 'web') return { app: 'web' };
      return namespace === 'shop' && name === 'vault' ? { 'spot.io/do-not-touch': 'x' } : null;
    },
    async patchWorkload(command) {
      writes.push(`patch ${command.kind} ${command.namespace}/${command.name}`);
    },
    async applyKarpenter(manifest) {
      writes.push(`apply ${manifest.kind} ${manifest.metadata.name}`);
    },
    async karpenterObjectLabels(kind, name): Promise<Record<string, string> | null> {
      if (kind === 'NodePool' && name === 'team-pool') return { team: 'shop' };
      if (name === 'spot-general') return { 'spot-optimizer.io/managed-by': 'spot-optimizer' };
      return null;
    },
    async deleteKarpenter(kind, name) {
      writes.push(`delete ${kind} ${name}`);
    },
    async deleteNode(node) {
      if (node === 'gone-node') return 'gone';
      if (!node.startsWith('kp-')) return 'not-karpenter';
      writes.push(`delete node ${node}`);
      return 'deleted';
    },
    async agentDeployment() {
      return { image: agentImage, annotations };
    },
    async setAgentImage(d, image, added) {
      writes.push(`set image ${d.namespace}/${d.name} ${image}`);
      agentImage = image;
      Object.assign(annotations, added);
    },
    ...overrides,
  };
  return { executor, writes, annotations };
}

const runner = (api: ReturnType<typeof fakeApi>, executor: KubernetesExecutor, writeMode = true) =>
  new CommandRunner(
    { apiUrl: 'https://spot.example.com', token: 'spot_agt_test', writeMode },
    { executor, fetch: api.fetch, log: () => {} },
  );

const evict = (id: string, pod: string, namespace = 'shop'): Delivered => ({
  id,
  command: { type: 'evict', namespace, pod },
});

describe('the agent’s command loop', () => {
  it('runs a command id once even when it is delivered twice, and reports it both times', async () => {
    const api = fakeApi([[evict('cmd-00000001', 'web-1')], [evict('cmd-00000001', 'web-1')]], {
      // The first result POST is lost (503): the server leases the command again after the lease.
      resultStatus: [503, 200],
    });
    const k8s = recordingExecutor();
    const r = runner(api, k8s.executor);
    expect(await r.pollOnce()).toMatchObject({ ok: true, ran: 1, reported: 0 });
    expect(await r.pollOnce()).toMatchObject({ ok: true, ran: 0, reported: 1 });
    expect(k8s.writes).toEqual(['evict shop/web-1']);
    expect(api.posted.map((p) => [p.id, p.body.outcome])).toEqual([
      ['cmd-00000001', 'succeeded'],
      ['cmd-00000001', 'succeeded'],
    ]);
  });

  it('never runs one id twice, whatever the order and repetition of deliveries (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), { maxLength: 6 }),
        async (polls) => {
          const batches = polls.map((ids) => ids.map((i) => evict(`cmd-0000000${i}`, `web-${i}`)));
          const api = fakeApi(batches.map((b) => [...b]));
          const runs = new Map<string, number>();
          const k8s = recordingExecutor({
            async podLabels() {
              return { app: 'web' };
            },
            async evict(_ns, pod) {
              runs.set(pod, (runs.get(pod) ?? 0) + 1);
              return { outcome: 'evicted' };
            },
          });
          const r = runner(api, k8s.executor);
          for (let i = 0; i < batches.length; i++) await r.pollOnce();
          const delivered = new Set(polls.flat());
          expect([...runs.values()].every((n) => n === 1)).toBe(true);
          expect(runs.size).toBe(delivered.size);
          // Every delivery is answered, the repeated ones with the remembered outcome.
          expect(api.posted.length).toBe(polls.flat().length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a PodDisruptionBudget’s 429 as wait, with the API’s message', async () => {
    const api = fakeApi([[evict('cmd-00000002', 'web-2')]]);
    const k8s = recordingExecutor({
      async evict() {
        return {
          outcome: 'blocked',
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
        };
      },
    });
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted[0]?.body).toEqual({
      outcome: 'wait',
      reason: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
  });

  it('refuses exempt pods and workloads (namespace, label, label value) without touching them', async () => {
    const patch = (name: string): Delivered => ({
      id: `patch-${name}-1`,
      command: {
        type: 'patch-workload',
        kind: 'Deployment',
        namespace: 'shop',
        name,
        containers: [{ name: 'app', requests: { cpuMilli: 100 } }],
      },
    });
    const api = fakeApi([
      [
        evict('cmd-00000003', 'coredns-1', 'kube-system'),
        evict('cmd-00000004', 'db-0'),
        patch('vault'),
        patch('web'),
        patch('gone'),
      ],
    ]);
    const k8s = recordingExecutor();
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted.map((p) => [p.id, p.body.outcome])).toEqual([
      ['cmd-00000003', 'refused'],
      ['cmd-00000004', 'refused'],
      ['patch-vault-1', 'refused'],
      ['patch-web-1', 'succeeded'],
      ['patch-gone-1', 'failed'],
    ]);
    expect(api.posted[0]?.body.reason).toContain('namespace kube-system is excluded');
    expect(api.posted[1]?.body.reason).toContain('label tier=critical');
    expect(k8s.writes).toEqual(['patch Deployment shop/web']);
  });

  it('refuses with the RBAC to grant when the API server says 403', async () => {
    const api = fakeApi([[{ id: 'cordon-0000001', command: { type: 'cordon', node: 'ip-10-0-0-1' } }]]);
    const k8s = recordingExecutor({
      async setUnschedulable() {
        throw new KubernetesForbiddenError('patch node ip-10-0-0-1: HTTP 403');
      },
    });
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted[0]?.body.outcome).toBe('refused');
    expect(api.posted[0]?.body.reason).toContain('writeMode.enabled=true');
  });

  it('counts an evicted-already pod as done: a restarted agent never evicts twice', async () => {
    const api = fakeApi([[evict('cmd-00000005', 'web-9')]]);
    const k8s = recordingExecutor();
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted[0]?.body).toEqual({ outcome: 'succeeded', reason: 'the pod was already gone' });
    expect(k8s.writes).toEqual([]);
  });

  it('upgrades itself by patching its own Deployment’s image once; already there, it patches nothing', async () => {
    const upgrade = (id: string, version: string): Delivered => ({
      id,
      command: { type: 'upgrade-agent', version },
    });
    // The first poll delivers two upgrades; the second delivers the same id again (its result POST lost).
    const api = fakeApi(
      [
        [upgrade('upgrade-agent:same', agentVersion), upgrade('upgrade-agent:next', '9.9.9')],
        [upgrade('upgrade-agent:next', '9.9.9')],
      ],
      { resultStatus: [200, 500, 200] },
    );
    const k8s = recordingExecutor();
    const r = runner(api, k8s.executor);
    await r.pollOnce();
    await r.pollOnce();
    expect(api.posted[0]?.body).toEqual({ outcome: 'succeeded', reason: `already running ${agentVersion}` });
    expect(api.posted[1]?.body.outcome).toBe('succeeded');
    expect(api.posted[1]?.body.reason).toMatch(
      /^rolling out 9\.9\.9 \(Deployment spot-optimizer\/spot-optimizer-agent now names registry\.example\.com:5000\/team\/spot-optimizer-agent:9\.9\.9\); the new pod's heartbeat will report it\./,
    );
    // Honest about Helm: its values still name the old image.
    expect(api.posted[1]?.body.reason).toContain('--set image.tag=9.9.9');
    expect(api.posted[1]?.body.reason).toContain('helm upgrade --reuse-values puts the old image back');
    // The retry is the same answer, and the Deployment was patched once, in its own repository.
    expect(api.posted[2]).toEqual(api.posted[1]);
    expect(k8s.writes).toEqual([
      'set image spot-optimizer/spot-optimizer-agent registry.example.com:5000/team/spot-optimizer-agent:9.9.9',
    ]);
    expect(k8s.annotations).toEqual({
      'spot-optimizer.io/agent-upgraded-to': '9.9.9',
      'spot-optimizer.io/agent-upgraded-from': `registry.example.com:5000/team/spot-optimizer-agent:${agentVersion}`,
      'spot-optimizer.io/agent-upgrade-command': 'upgrade-agent:next',
    });
  });

  it('does not patch a Deployment that already names the release (a restarted agent, the rollout under way)', async () => {
    const k8s = recordingExecutor();
    const api = fakeApi([[{ id: 'upgrade-agent:a', command: { type: 'upgrade-agent', version: '9.9.9' } }]]);
    await runner(api, k8s.executor).pollOnce();
    // A second agent (the one the rollout starts still runs the old release, or memory was lost).
    const again = fakeApi([
      [{ id: 'upgrade-agent:a', command: { type: 'upgrade-agent', version: '9.9.9' } }],
    ]);
    await runner(again, k8s.executor).pollOnce();
    expect(k8s.writes).toHaveLength(1);
    expect(again.posted[0]?.body).toEqual({
      outcome: 'succeeded',
      reason:
        "Deployment spot-optimizer/spot-optimizer-agent already runs registry.example.com:5000/team/spot-optimizer-agent:9.9.9: the new pod's heartbeat will report 9.9.9",
    });
    // The agent the rollout starts runs the release: it answers without reading the Deployment.
    const upgraded = new CommandRunner(
      { apiUrl: 'https://spot.example.com', token: 'spot_agt_test', writeMode: true, version: '9.9.9' },
      { executor: k8s.executor, fetch: fakeApi([]).fetch, log: () => {} },
    );
    expect(await upgraded.execute({ type: 'upgrade-agent', version: '9.9.9' }, exemptions)).toEqual({
      outcome: 'succeeded',
      reason: 'already running 9.9.9',
    });
  });

  it('patches the Deployment it is told is its own (namespace and name from its settings)', async () => {
    const k8s = recordingExecutor();
    const seen: string[] = [];
    const r = new CommandRunner(
      {
        apiUrl: 'https://spot.example.com',
        token: 'spot_agt_test',
        writeMode: true,
        deployment: { namespace: 'platform', name: 'so-agent' },
      },
      {
        executor: {
          ...k8s.executor,
          async agentDeployment(d) {
            seen.push(`${d.namespace}/${d.name}`);
            return { image: 'ghcr.io/spot-optimizer/spot-optimizer-agent@sha256:abc', annotations: {} };
          },
        },
        fetch: fakeApi([]).fetch,
        log: () => {},
      },
    );
    expect((await r.execute({ type: 'upgrade-agent', version: '9.9.9' }, exemptions)).outcome).toBe(
      'succeeded',
    );
    expect(seen).toEqual(['platform/so-agent']);
    // A digest is dropped with the tag: the release names the image.
    expect(k8s.writes).toEqual([
      'set image platform/so-agent ghcr.io/spot-optimizer/spot-optimizer-agent:9.9.9',
    ]);
  });

  it('answers an upgrade its RBAC forbids as refused, naming the permission and the helm command', async () => {
    for (const forbidden of ['get', 'patch'] as const) {
      const k8s = recordingExecutor({
        ...(forbidden === 'get'
          ? {
              async agentDeployment() {
                throw new KubernetesForbiddenError(
                  'get deployment spot-optimizer/spot-optimizer-agent: HTTP 403',
                );
              },
            }
          : {
              async setAgentImage() {
                throw new KubernetesForbiddenError(
                  'patch deployment spot-optimizer/spot-optimizer-agent: HTTP 403',
                );
              },
            }),
      });
      const result = await runner(fakeApi([]), k8s.executor).execute(
        { type: 'upgrade-agent', version: '9.9.9' },
        exemptions,
      );
      expect(result.outcome).toBe('refused');
      expect(result.reason).toContain(
        `${forbidden} deployment spot-optimizer/spot-optimizer-agent: HTTP 403`,
      );
      expect(result.reason).toContain(
        'it needs get and patch on deployments.apps named spot-optimizer-agent in spot-optimizer',
      );
      // The chart as the deployment serves it (ADR 0075), not a path in the repository the customer lacks.
      expect(result.reason).toContain(
        `Or run: helm upgrade spot-optimizer-agent https://spot.example.com/api/agent/spot-optimizer-agent-${agentChartVersion}.tgz --namespace spot-optimizer --reuse-values --set image.tag=9.9.9`,
      );
      expect(k8s.writes).toEqual([]);
    }
  });

  it('fails an upgrade when its own Deployment is not found, with the helm command', async () => {
    const k8s = recordingExecutor({ agentDeployment: async () => null });
    const result = await runner(fakeApi([]), k8s.executor).execute(
      { type: 'upgrade-agent', version: '9.9.9' },
      exemptions,
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(
      /Deployment spot-optimizer\/spot-optimizer-agent does not exist .* run: helm upgrade/,
    );
  });

  it('builds the image patch that replaces only the agent container’s image', () => {
    expect(agentImagePatchBody('r/a:9.9.9', { 'spot-optimizer.io/agent-upgraded-to': '9.9.9' })).toEqual({
      metadata: { annotations: { 'spot-optimizer.io/agent-upgraded-to': '9.9.9' } },
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'r/a:9.9.9' }] } } },
    });
    expect(imageRepository('ghcr.io/a/b:0.1.0')).toBe('ghcr.io/a/b');
    expect(imageRepository('localhost:5000/b')).toBe('localhost:5000/b');
    expect(imageRepository('localhost:5000/b:1.2.3@sha256:ff')).toBe('localhost:5000/b');
    expect(imageRepository('b')).toBe('b');
  });

  it('refuses everything while write mode is off, and never polls', async () => {
    const api = fakeApi([[evict('cmd-00000006', 'web-1')]]);
    const k8s = recordingExecutor();
    const r = runner(api, k8s.executor, false);
    expect(await r.pollOnce()).toMatchObject({ ran: 0, status: null });
    expect(api.requests).toEqual([]);
    const result = await r.execute({ type: 'cordon', node: 'n1' }, exemptions);
    expect(result.outcome).toBe('refused');
    expect(result.reason).toContain('write mode is off');
    expect(k8s.writes).toEqual([]);
  });

  it('refuses commands that come without the exemption list', async () => {
    const api = fakeApi([[evict('cmd-00000008', 'web-1')]], { exemptions: null });
    const k8s = recordingExecutor();
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted[0]?.body).toEqual({
      outcome: 'refused',
      reason: 'the answer carried no exemption list',
    });
    expect(k8s.writes).toEqual([]);
  });

  it('deletes a Karpenter node only, and counts a node already gone as done (ADR 0044)', async () => {
    const api = fakeApi([
      [
        { id: 'delete-00000001', command: { type: 'delete-node', node: 'kp-1' } },
        { id: 'delete-00000002', command: { type: 'delete-node', node: 'web-node' } },
        { id: 'delete-00000003', command: { type: 'delete-node', node: 'gone-node' } },
      ],
    ]);
    const k8s = recordingExecutor();
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted.map((p) => p.body.outcome)).toEqual(['succeeded', 'refused', 'succeeded']);
    expect(api.posted[1]?.body.reason).toContain('not a Karpenter node');
    expect(api.posted[2]?.body.reason).toBe('the node was already gone');
    expect(k8s.writes).toEqual(['delete node kp-1']);
  });

  it('refuses in maintenance mode', async () => {
    const api = fakeApi([[evict('cmd-00000007', 'web-1')]], { maintenance: true });
    const k8s = recordingExecutor();
    await runner(api, k8s.executor).pollOnce();
    expect(api.posted[0]?.body.outcome).toBe('refused');
    expect(k8s.writes).toEqual([]);
  });
});

describe('the agent’s configuration and loop', () => {
  const env = {
    SPOT_API_URL: 'https://spot.example.com',
    SPOT_AGENT_TOKEN: 'spot_agt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
    SPOT_CLUSTER_NAME: 'prod',
  };

  it('keeps write mode off unless SPOT_WRITE_MODE says true', () => {
    expect(loadConfig(env)).toMatchObject({ writeMode: false, commandPollIntervalMs: 15_000 });
    expect(loadConfig({ ...env, SPOT_WRITE_MODE: 'true', SPOT_COMMAND_POLL_SECONDS: '30' })).toMatchObject({
      writeMode: true,
      commandPollIntervalMs: 30_000,
    });
    expect(() => loadConfig({ ...env, SPOT_WRITE_MODE: 'yes please' })).toThrow('SPOT_WRITE_MODE');
  });

  it('an agent without write mode never asks for commands', async () => {
    const api = fakeApi([]);
    const controller = new AbortController();
    let sleeps = 0;
    const agent = new Agent(loadConfig(env), {
      collect: async () => {
        throw new Error('no cluster here');
      },
      fetch: (async (url: string | URL, init?: RequestInit) => {
        if (String(url).includes('/api/agent/')) return api.fetch(url, init);
        return new Response('{}', { status: 200 });
      }) as typeof fetch,
      now: () => new Date(),
      sleep: async () => {
        if (++sleeps >= 3) controller.abort();
      },
      log: () => {},
    });
    await agent.run(controller.signal);
    expect(agent.commands).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it('an agent in write mode polls beside its pushes and needs an executor', async () => {
    const writeEnv = { ...env, SPOT_WRITE_MODE: 'true' };
    expect(
      () =>
        new Agent(loadConfig(writeEnv), {
          collect: async () => {
            throw new Error('unused');
          },
          fetch,
          now: () => new Date(),
          sleep: async () => {},
          log: () => {},
        }),
    ).toThrow('executor');
    const api = fakeApi([[{ id: 'cordon-0000002', command: { type: 'cordon', node: 'n1' } }]]);
    const k8s = recordingExecutor();
    const controller = new AbortController();
    let sleeps = 0;
    const agent = new Agent(loadConfig(writeEnv), {
      collect: async () => {
        throw new Error('no cluster here');
      },
      fetch: (async (url: string | URL, init?: RequestInit) => {
        if (String(url).includes('/api/agent/')) return api.fetch(url, init);
        return new Response('{}', { status: 200 });
      }) as typeof fetch,
      now: () => new Date(),
      sleep: async () => {
        if (++sleeps >= 4) controller.abort();
      },
      log: () => {},
      executor: k8s.executor,
    });
    await agent.run(controller.signal);
    expect(k8s.writes).toEqual(['cordon n1']);
    expect(api.posted.map((p) => p.body.outcome)).toEqual(['succeeded']);
  });
});

describe('workload patches', () => {
  it('are a strategic merge patch of the pod template, in Kubernetes quantities', () => {
    const command: PatchWorkloadCommand = {
      type: 'patch-workload',
      kind: 'StatefulSet',
      namespace: 'shop',
      name: 'db',
      containers: [
        { name: 'postgres', requests: { cpuMilli: 250, memoryMiB: 512 }, limits: { memoryMiB: 1024 } },
      ],
      scheduling: {
        nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
        tolerations: [{ key: 'spot', operator: 'Exists' }],
      },
    };
    expect(workloadPatchBody(command)).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'postgres',
                resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1024Mi' } },
              },
            ],
            nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
            tolerations: [{ key: 'spot', operator: 'Exists' }],
          },
        },
      },
    });
  });
});

describe('Karpenter objects (ADR 0042)', () => {
  const none: AgentExemptions = { namespaces: [], labels: [] };
  const marked = { 'spot-optimizer.io/managed-by': 'spot-optimizer' };
  const pool = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'karpenter.sh/v1' as const,
    kind: 'NodePool' as const,
    metadata: { name, labels },
    spec: {},
  });

  it('deletes only objects carrying Spot Optimizer’s label; a customer’s pool is refused and untouched', async () => {
    const k8s = recordingExecutor();
    const r = runner(fakeApi([]), k8s.executor);
    expect(
      await r.execute({ type: 'delete-karpenter', kind: 'NodePool', name: 'spot-general' }, none),
    ).toEqual({
      outcome: 'succeeded',
      reason: null,
    });
    const refused = await r.execute({ type: 'delete-karpenter', kind: 'NodePool', name: 'team-pool' }, none);
    expect(refused.outcome).toBe('refused');
    expect(refused.reason).toContain('not Spot Optimizer');
    expect(
      await r.execute({ type: 'delete-karpenter', kind: 'EC2NodeClass', name: 'gone' }, none),
    ).toMatchObject({
      outcome: 'succeeded',
    });
    expect(k8s.writes).toEqual(['delete NodePool spot-general']);
  });

  it('never applies a marked object over a customer’s object of the same name', async () => {
    const k8s = recordingExecutor();
    const r = runner(fakeApi([]), k8s.executor);
    const over = await r.execute({ type: 'apply-karpenter', manifest: pool('team-pool', marked) }, none);
    expect(over.outcome).toBe('refused');
    expect(
      await r.execute({ type: 'apply-karpenter', manifest: pool('spot-general', marked) }, none),
    ).toMatchObject({
      outcome: 'succeeded',
    });
    expect(k8s.writes).toEqual(['apply NodePool spot-general']);
  });

  it('reports an apply the RBAC forbids as refused', async () => {
    const k8s = recordingExecutor({
      async applyKarpenter() {
        throw new KubernetesForbiddenError('apply NodePool spot-general: HTTP 403');
      },
    });
    const result = await runner(fakeApi([]), k8s.executor).execute(
      { type: 'apply-karpenter', manifest: pool('spot-general', marked) },
      none,
    );
    expect(result.outcome).toBe('refused');
    expect(result.reason).toContain('RBAC');
  });
});

describe('write RBAC', () => {
  const read = (path: string) =>
    readFileSync(fileURLToPath(new URL(`../../agent/${path}`, import.meta.url)), 'utf8');
  type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[] };
  const roles = (yaml: string) =>
    (loadAllYaml(yaml) as { kind: string; rules?: Rule[] }[]).filter((o) => o.kind === 'ClusterRole');
  const helmTemplate = read('helm/spot-optimizer-agent/templates/clusterrole-write.yaml');
  const helm = roles(
    helmTemplate
      .split('\n')
      .filter((l) => !l.includes('{{'))
      .join('\n'),
  );
  const manifest = roles(read('manifests/write-rbac.yaml'));

  it('is granted by the Helm chart only when writeMode.enabled, and off by default', () => {
    const lines = helmTemplate.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(lines[0]).toBe('{{- if .Values.writeMode.enabled }}');
    expect(lines.at(-1)).toBe('{{- end }}');
    expect(read('helm/spot-optimizer-agent/values.yaml')).toMatch(/writeMode:\n {2}enabled: false/);
    expect(read('manifests/agent.yaml')).toMatch(/SPOT_WRITE_MODE\n\s+value: "false"/);
    // The read-only role stays read-only.
    expect(read('helm/spot-optimizer-agent/templates/clusterrole.yaml')).not.toMatch(/patch|create|eviction/);
  });

  it('lets the agent get and patch its own Deployment only, in its namespace, in write mode only', () => {
    type Role = {
      kind: string;
      metadata: { name: string; namespace?: string };
      rules?: (Rule & { resourceNames?: string[] })[];
    };
    const objects = (yaml: string) => loadAllYaml(yaml) as Role[];
    const plain = objects(read('manifests/write-rbac.yaml'));
    const role = plain.find((o) => o.kind === 'Role');
    expect(role?.metadata.namespace).toBe('spot-optimizer');
    expect(role?.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['spot-optimizer-agent'],
        verbs: ['get', 'patch'],
      },
    ]);
    const binding = plain.find((o) => o.kind === 'RoleBinding') as unknown as {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role?.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'spot-optimizer-agent', namespace: 'spot-optimizer' },
    ]);
    // The chart's Role: the same rule with the release's name, and only with writeMode.enabled.
    const template = read('helm/spot-optimizer-agent/templates/role-self-upgrade.yaml');
    const lines = template.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(lines[0]).toBe('{{- if .Values.writeMode.enabled }}');
    expect(lines.at(-1)).toBe('{{- end }}');
    expect(template).toContain('namespace: {{ .Release.Namespace }}');
    const rendered = objects(
      template
        .replaceAll('{{ include "spot-optimizer-agent.name" . | quote }}', '"spot-optimizer-agent"')
        .split('\n')
        .filter((l) => !l.includes('{{'))
        .join('\n'),
    );
    expect(rendered.find((o) => o.kind === 'Role')?.rules).toEqual(role?.rules);
    // Read-only mode installs nothing of it: the agent's other files name no Role.
    expect(read('manifests/agent.yaml')).not.toMatch(/kind: Role\b/);
    // The Deployment tells the agent which Deployment is its own.
    for (const file of ['manifests/agent.yaml', 'helm/spot-optimizer-agent/templates/deployment.yaml'])
      expect(read(file)).toMatch(
        /SPOT_AGENT_NAMESPACE\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: metadata.namespace\n\s+- name: SPOT_AGENT_DEPLOYMENT/,
      );
  });

  it('has the same rules in the chart and the plain manifest: exactly what the commands need', () => {
    expect(helm).toHaveLength(1);
    expect(manifest).toHaveLength(1);
    expect(helm[0]?.rules).toEqual(manifest[0]?.rules);
    const grants = (manifest[0]?.rules ?? []).flatMap((r) =>
      (r.apiGroups ?? []).flatMap((g) =>
        (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
      ),
    );
    expect(grants.sort()).toEqual(
      [
        '/nodes:patch',
        '/nodes:delete',
        '/pods/eviction:create',
        'apps/deployments:get',
        'apps/deployments:patch',
        'apps/statefulsets:get',
        'apps/statefulsets:patch',
        'karpenter.sh/nodepools:get',
        'karpenter.sh/nodepools:create',
        'karpenter.sh/nodepools:patch',
        'karpenter.sh/nodepools:delete',
        'karpenter.k8s.aws/ec2nodeclasses:get',
        'karpenter.k8s.aws/ec2nodeclasses:create',
        'karpenter.k8s.aws/ec2nodeclasses:patch',
        'karpenter.k8s.aws/ec2nodeclasses:delete',
      ].sort(),
    );
  });
});
