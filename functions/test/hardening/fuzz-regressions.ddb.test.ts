import { beforeAll, describe, expect, it } from 'vitest';
import { seedCluster } from '../clusters-support';
import { fixtureSnapshot } from '../fixtures/k8s/snapshot';
import { call, signUpAndIn, useLocalServices } from '../support/services';

/**
 * What the schema-driven fuzzer (fuzz.ddb.test.ts) found answering 500, each pinned by its seed as a
 * plain case so it stays fixed whatever the fuzzer generates next.
 */
let agentToken: string;
/** A snapshot as JSON: the cases write what no typed snapshot could hold. */
type Json = { pods: Record<string, unknown>[]; nodes: Record<string, unknown>[] };
const first = (items: Record<string, unknown>[]) => items[0] ?? {};

beforeAll(async () => {
  await useLocalServices();
  const user = await signUpAndIn('Fuzz regressions');
  const cluster = await seedCluster(user.orgId, { name: 'prod' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
  });
  agentToken = String(issued.body.token);
});

describe('snapshot names that cannot be item keys', () => {
  // FUZZ_SEED=1163547643: snapshot.pods.0.namespace of 100,000 characters reached DynamoDB as part of a
  // sort key (over its 1,024 bytes) and answered 500.
  it.each([
    [
      'pods.0.namespace',
      (s: Json) => Object.assign(first(s.pods), { namespace: 'A'.repeat(100_000) }),
      /at most 63/,
    ],
    ['pods.0.name', (s: Json) => Object.assign(first(s.pods), { name: 'ü'.repeat(253) }), /Kubernetes name/],
    [
      'pods.0.owner.kind',
      (s: Json) => Object.assign(first(s.pods), { owner: { kind: 'Deploy ment', name: 'x', replicas: 1 } }),
      /kind/,
    ],
    [
      'nodes.0.name',
      (s: Json) => Object.assign(first(s.nodes), { name: `a${'/'.repeat(300)}` }),
      /Kubernetes name/,
    ],
  ])('refuses %s with a 400 that names the field', async (field, patch, message) => {
    const snapshot = (await fixtureSnapshot({ clusterName: 'prod', now: new Date() })) as unknown as Json;
    patch(snapshot);
    const res = await call('POST /api/ingest/snapshots', {
      token: agentToken,
      body: { kind: 'snapshot', agentVersion: '0.1.0', snapshot },
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body.message).toContain(`snapshot.${field}`);
    expect(res.body.message).toMatch(message);
  });
});
