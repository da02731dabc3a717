import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KubeConfig, loadAllYaml } from '@kubernetes/client-node';
import { Agent, type AgentDeps } from '@spot/agent/agent';
import { type AgentConfig, loadConfig } from '@spot/agent/config';
import { ingestBodySchema } from '@spot/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectClusterSnapshot } from '../src/ports/kubernetes-snapshot';
import { type FakeKubernetesApi, startFakeKubernetesApi } from './fixtures/k8s/server';

interface Received {
  authorization: string | undefined;
  body: ReturnType<typeof ingestBodySchema.parse>;
}

/** The ingestion route as the agent sees it: records pushes, validates them, answers with queued statuses. */
async function fakeIngest() {
  const received: Received[] = [];
  const statuses: number[] = [];
  /** Extra fields of the next heartbeats' answers, in order (`snapshotRequested` of Sync Now). */
  const heartbeatAnswers: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = ingestBodySchema.parse(JSON.parse(raw));
      received.push({ authorization: req.headers.authorization, body });
      const status = statuses.shift() ?? (body.kind === 'snapshot' ? 202 : 200);
      res.writeHead(status, { 'content-type': 'application/json' });
      const extra = body.kind === 'heartbeat' ? (heartbeatAnswers.shift() ?? {}) : {};
      res.end(JSON.stringify(status < 400 ? { accepted: body.kind, ...extra } : { message: 'no' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    statuses,
    heartbeatAnswers,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let k8s: FakeKubernetesApi;
let ingest: Awaited<ReturnType<typeof fakeIngest>>;
beforeEach(async () => {
  [k8s, ingest] = await Promise.all([startFakeKubernetesApi(), fakeIngest()]);
});
afterEach(async () => {
  await Promise.all([k8s.close(), ingest.close()]);
});

const token = 'spot_agt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

function agent(clock: { t: number }, fetchImpl: typeof globalThis.fetch = globalThis.fetch) {
  const config: AgentConfig = loadConfig({
    SPOT_API_URL: `${ingest.url}/`,
    SPOT_AGENT_TOKEN: token,
    SPOT_CLUSTER_NAME: 'prod',
    SPOT_SNAPSHOT_INTERVAL_SECONDS: '300',
    SPOT_HEARTBEAT_INTERVAL_SECONDS: '30',
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: k8s.url, skipTLSVerify: true }],
    users: [{ name: 'sa', token: 'service-account-token' }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'sa' }],
    currentContext: 'in-cluster',
  });
  const logs: string[] = [];
  const deps: AgentDeps = {
    collect: () =>
      collectClusterSnapshot(kc, { clusterName: 'prod', source: 'agent', now: () => new Date(clock.t) }),
    fetch: fetchImpl,
    now: () => new Date(clock.t),
    sleep: async (ms) => {
      clock.t += ms;
    },
    log: (level, message) => {
      logs.push(`${level} ${message}`);
    },
  };
  return { agent: new Agent(config, deps), logs };
}

describe('in-cluster agent', () => {
  it('pushes a valid snapshot and heartbeats with the cluster’s token, reading with its service account', async () => {
    const { agent: a } = agent({ t: Date.parse('2026-07-01T12:00:00Z') });
    expect(await a.snapshot()).toEqual({ ok: true, status: 202 });
    expect(await a.heartbeat()).toEqual({ ok: true, status: 200 });
    expect(ingest.received.map((r) => r.body.kind)).toEqual(['snapshot', 'heartbeat']);
    expect(ingest.received.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
    const snapshot = ingest.received[0]?.body;
    expect(snapshot?.kind === 'snapshot' && snapshot.snapshot).toMatchObject({
      clusterName: 'prod',
      source: 'agent',
    });
    expect(k8s.requests.every((r) => r.authorization === 'Bearer service-account-token')).toBe(true);
  });

  it('pushes the share of its API calls that failed, which an older agent’s push may leave out (ADR 0086)', async () => {
    k8s.fail('/apis/metrics.k8s.io/v1beta1/pods', 503);
    const { agent: a } = agent({ t: Date.parse('2026-07-01T12:00:00Z') });
    expect(await a.snapshot()).toEqual({ ok: true, status: 202 });
    const pushed = ingest.received[0]?.body;
    const snapshot = pushed?.kind === 'snapshot' ? pushed.snapshot : null;
    // 1 of its 10 reads failed, measured as the agentless collector measures it.
    expect(snapshot?.controlPlane.errorRatio).toBe(0.1);
    expect(snapshot?.controlPlane.latencyP99Ms).toBeGreaterThan(0);
    // The same push from an agent older than the figure still passes the ingest contract.
    const { errorRatio: _, ...older } = snapshot?.controlPlane ?? { latencyP99Ms: 0, requestsPerMinute: 0 };
    const parsed = ingestBodySchema.parse({ ...pushed, snapshot: { ...snapshot, controlPlane: older } });
    expect(parsed.kind === 'snapshot' && parsed.snapshot.controlPlane.errorRatio).toBeUndefined();
  });

  it('sends a snapshot every 5 minutes and heartbeats every 30 s in between', async () => {
    const clock = { t: Date.parse('2026-07-01T12:00:00Z') };
    const { agent: a } = agent(clock);
    const start = clock.t;
    const controller = new AbortController();
    const running = a.run(controller.signal);
    while (clock.t - start < 10 * 60_000) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await running;
    const kinds = ingest.received.map((r) => r.body.kind);
    expect(kinds.filter((k) => k === 'snapshot')).toHaveLength(3);
    expect(kinds.slice(0, 11)).toEqual(['snapshot', ...Array(9).fill('heartbeat'), 'snapshot']);
  });

  it('pushes a snapshot at once when a heartbeat is answered with snapshotRequested (Sync Now), in read-only mode', async () => {
    const clock = { t: Date.parse('2026-07-01T12:00:00Z') };
    const times: { kind: string; t: number }[] = [];
    const { agent: a } = agent(clock, (input, init) => {
      times.push({ kind: String(JSON.parse(String(init?.body)).kind), t: clock.t });
      return globalThis.fetch(input, init);
    });
    expect(a.commands).toBeNull();
    // The third heartbeat (12:01:30) carries the request; the others do not.
    ingest.heartbeatAnswers.push({}, {}, { snapshotRequested: true });
    const start = clock.t;
    const controller = new AbortController();
    const running = a.run(controller.signal);
    while (clock.t - start < 7 * 60_000) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await running;
    const at = (kind: string) => times.filter((x) => x.kind === kind).map((x) => (x.t - start) / 1000);
    // 0 s: the first snapshot; 90 s: asked, so at once (not at 300 s); then its period starts again from it.
    expect(at('snapshot').slice(0, 3)).toEqual([0, 90, 390]);
    expect(at('heartbeat').slice(0, 5)).toEqual([30, 60, 90, 120, 150]);
  });

  it('backs off after a failed push, and slows down when its token is refused', async () => {
    const clock = { t: Date.parse('2026-07-01T12:00:00Z') };
    // The agent's clock at each push, taken when it calls fetch (polling from outside would race it).
    const times: number[] = [];
    const { agent: a, logs } = agent(clock, (input, init) => {
      times.push(clock.t);
      return globalThis.fetch(input, init);
    });
    ingest.statuses.push(503, 503, 401);
    const controller = new AbortController();
    const running = a.run(controller.signal);
    while (ingest.received.length < 4) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await running;
    const gaps = times.slice(1, 4).map((t, i) => t - (times[i] ?? 0));
    expect(gaps).toEqual([5_000, 10_000, 300_000]);
    expect(logs).toContain('error snapshot refused');
  });

  it('stops at start when its configuration is incomplete', () => {
    expect(() => loadConfig({ SPOT_API_URL: 'https://spot.example.com', SPOT_CLUSTER_NAME: 'prod' })).toThrow(
      /SPOT_AGENT_TOKEN/,
    );
    expect(() =>
      loadConfig({ SPOT_API_URL: 'not a url', SPOT_AGENT_TOKEN: token, SPOT_CLUSTER_NAME: 'x' }),
    ).toThrow(/SPOT_API_URL/);
  });
});

describe('agent RBAC', () => {
  const read = (path: string) =>
    readFileSync(fileURLToPath(new URL(`../../agent/${path}`, import.meta.url)), 'utf8');
  type Rule = { apiGroups?: string[]; resources?: string[]; nonResourceURLs?: string[]; verbs: string[] };
  const clusterRoles = (yaml: string) =>
    (loadAllYaml(yaml) as { kind: string; rules?: Rule[] }[]).filter((o) => o.kind === 'ClusterRole');
  // The Helm template with its template lines removed is plain YAML.
  const helmRole = clusterRoles(
    read('helm/spot-optimizer-agent/templates/clusterrole.yaml')
      .split('\n')
      .filter((l) => !l.includes('{{'))
      .join('\n'),
  );
  const manifests = {
    helm: helmRole,
    'manifests/agent.yaml': clusterRoles(read('manifests/agent.yaml')),
    'manifests/agentless-rbac.yaml': clusterRoles(read('manifests/agentless-rbac.yaml')),
  };

  it('has exactly one ClusterRole per way of installing, with the same rules', () => {
    for (const roles of Object.values(manifests)) expect(roles).toHaveLength(1);
    const [first, ...rest] = Object.values(manifests).map((roles) => roles[0]?.rules);
    for (const rules of rest) expect(rules).toEqual(first);
  });

  it('only reads: get/list/watch, no secrets, no wildcards', () => {
    for (const [name, roles] of Object.entries(manifests)) {
      for (const rule of roles[0]?.rules ?? []) {
        expect(
          rule.verbs.every((v) => ['get', 'list', 'watch'].includes(v)),
          name,
        ).toBe(true);
        expect(rule.resources ?? [], name).not.toContain('secrets');
        expect(rule.resources ?? [], name).not.toContain('*');
        expect(rule.apiGroups ?? [], name).not.toContain('*');
      }
    }
  });

  it('covers every API the collector reads', () => {
    const rules = manifests['manifests/agent.yaml'][0]?.rules ?? [];
    const allows = (group: string, resource: string) =>
      rules.some(
        (r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes('list'),
      );
    for (const [group, resource] of [
      ['', 'nodes'],
      ['', 'pods'],
      ['', 'events'],
      ['apps', 'replicasets'],
      ['apps', 'deployments'],
      ['policy', 'poddisruptionbudgets'],
      ['autoscaling', 'horizontalpodautoscalers'],
      ['metrics.k8s.io', 'nodes'],
      ['metrics.k8s.io', 'pods'],
    ] as const) {
      expect(allows(group, resource), `${group}/${resource}`).toBe(true);
    }
  });
});
