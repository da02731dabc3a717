import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent } from '@spot/agent/agent';
import { loadConfig } from '@spot/agent/config';
import { checkOwnPermissions, missingPermissions } from '@spot/agent/permissions';
import { agentKubernetesRules, type IngestBody, ingestBodySchema } from '@spot/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiServerAccessReview } from '../src/ports/kubernetes-access-review';
import { type FakeKubernetesApi, startFakeKubernetesApi } from './fixtures/k8s/server';

/**
 * The agent's check of its own permissions (ADR 0070) against a fake API server that answers
 * SelfSubjectAccessReviews as RBAC would: every rule asked with the service account, the answers reported
 * with the pushes, a missing one named with the ClusterRole rule to add, and a review that fails never
 * reported as "denied".
 */

let k8s: FakeKubernetesApi;
let server: Server;
let ingestUrl: string;
const received: IngestBody[] = [];
beforeEach(async () => {
  received.length = 0;
  k8s = await startFakeKubernetesApi();
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = ingestBodySchema.parse(JSON.parse(raw));
      received.push(body);
      res.writeHead(body.kind === 'snapshot' ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: body.kind }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ingestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await Promise.all([k8s.close(), new Promise<void>((r) => server.close(() => r()))]);
});

function serviceAccount(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: k8s.url, skipTLSVerify: true }],
    users: [{ name: 'sa', token: 'service-account-token' }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'sa' }],
    currentContext: 'in-cluster',
  });
  return kc;
}

const now = new Date('2026-07-01T12:00:00Z');

describe('the agent’s permission self-check', () => {
  it('asks one SelfSubjectAccessReview per rule with its service account: all allowed, nothing missing', async () => {
    const report = await checkOwnPermissions(await apiServerAccessReview(serviceAccount()), now);
    expect(report.checkedAt).toBe('2026-07-01T12:00:00.000Z');
    expect(report.checks.map((c) => `${c.verb} ${c.resource}`)).toEqual(
      agentKubernetesRules.map((r) => `${r.verb} ${r.resource}`),
    );
    expect(report.checks.every((c) => c.allowed && c.reason?.startsWith('RBAC: allowed'))).toBe(true);
    expect(missingPermissions(report)).toEqual([]);
    // The API group and resource apart, as the review's resourceAttributes take them.
    expect(k8s.reviews).toContainEqual({ verb: 'list', group: 'apps', resource: 'deployments' });
    expect(k8s.reviews).toContainEqual({ verb: 'list', group: 'metrics.k8s.io', resource: 'nodes' });
    expect(k8s.reviews).toContainEqual({ verb: 'list', group: '', resource: 'events' });
    const posts = k8s.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(agentKubernetesRules.length);
    expect(posts.every((r) => r.authorization === 'Bearer service-account-token')).toBe(true);
  });

  it('names a denied permission with why and the ClusterRole rule that grants it', async () => {
    k8s.deny('list', 'events');
    k8s.deny('list', 'deployments.apps');
    const report = await checkOwnPermissions(await apiServerAccessReview(serviceAccount()), now);
    expect(report.checks.filter((c) => !c.allowed).map((c) => c.resource)).toEqual([
      'events',
      'deployments.apps',
    ]);
    expect(report.checks.find((c) => c.resource === 'events')).toMatchObject({
      allowed: false,
      reason: null,
    });
    expect(missingPermissions(report)).toEqual([
      {
        name: 'list events — pressure events and spot interruptions',
        fix: '- apiGroups: [""]\n  resources: ["events"]\n  verbs: ["list"]',
      },
      {
        name: 'list deployments.apps — replica counts of the workloads',
        fix: '- apiGroups: ["apps"]\n  resources: ["deployments"]\n  verbs: ["list"]',
      },
    ]);
  });

  function agent(logs: string[]) {
    const kc = serviceAccount();
    return new Agent(
      loadConfig({
        SPOT_API_URL: ingestUrl,
        SPOT_AGENT_TOKEN: 'spot_agt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
        SPOT_CLUSTER_NAME: 'prod',
      }),
      {
        collect: async () => {
          throw new Error('not read in this test');
        },
        fetch: globalThis.fetch,
        now: () => now,
        sleep: async () => {},
        log: (level, message, fields) =>
          logs.push(`${level} ${message}${fields?.fix ? ` ${fields.fix}` : ''}`),
        checkPermissions: async () => checkOwnPermissions(await apiServerAccessReview(kc), now),
      },
    );
  }

  it('reports the answers with its first push and its heartbeats, and logs each missing one with the fix', async () => {
    k8s.deny('list', 'events');
    const logs: string[] = [];
    const a = agent(logs);
    // The cluster could not be read: the snapshot is not pushed, the heartbeat still carries the report.
    expect((await a.snapshot()).collectFailed).toBe(true);
    expect((await a.heartbeat()).ok).toBe(true);
    expect(received).toHaveLength(1);
    const first = received[0];
    expect(first?.kind).toBe('heartbeat');
    expect(first?.permissions?.checks.find((c) => c.resource === 'events')?.allowed).toBe(false);
    expect(first?.permissions?.checks.filter((c) => c.allowed)).toHaveLength(agentKubernetesRules.length - 1);
    expect(logs).toContain(
      'error missing Kubernetes permission: list events — pressure events and spot interruptions add to the agent\'s ClusterRole rules:\n- apiGroups: [""]\n  resources: ["events"]\n  verbs: ["list"]',
    );
  });

  it('does not report "denied" when the review itself fails: it keeps the last report', async () => {
    const logs: string[] = [];
    const a = agent(logs);
    k8s.fail('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 503);
    await a.snapshot();
    await a.heartbeat();
    expect(received[0]?.permissions).toBeUndefined();
    expect(logs.some((l) => l.startsWith('warn could not check the Kubernetes permissions'))).toBe(true);
    expect(logs.some((l) => l.includes('missing Kubernetes permission'))).toBe(false);
  });
});
