import type { ClusterSnapshot } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEntity, clusterKey } from '../src/data/entities/cluster';
import { getItem } from '../src/data/repository';
import { type SeededCluster, seedCluster } from './clusters-support';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The registry's compliance shield against the cluster detail's Compliance & Drift tab (ADR 0068), end to
 * end on DynamoDB Local: an agent snapshot with a forbidden instance type and a privileged pod makes the
 * registry row say what `/drift` and `/compliance` say, and a change of the cluster's node template
 * (a bulk apply) recounts the drift without waiting for another snapshot.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
type Check = { rule: string; kind: string; message: string };
type Shield = { status: string; checks: Check[] };

let a: User;
let b: User;
let cluster: SeededCluster;
let agentToken: string;

const templateBody = (name: string, families: string[]) => ({
  name,
  families,
  architecture: 'x86_64',
  // Both capacity types: the family alone decides drift here.
  capacityType: 'hybrid',
  disk: { type: 'gp3', sizeGiB: 50 },
});

async function createTemplate(name: string, families: string[]) {
  const res = await call('POST /api/client/node-templates', {
    token: a.accessToken,
    body: templateBody(name, families),
  });
  expect(res.status, res.raw).toBe(201);
  return String(res.body.id);
}

/** The cluster's shield as the registry list answers it. */
async function shieldOf(user: User, id: string): Promise<Shield | undefined> {
  const res = await call('GET /api/client/clusters', { token: user.accessToken, query: { q: id } });
  expect(res.status, res.raw).toBe(200);
  const item = (res.body.items as { id: string; compliance: Shield }[]).find((i) => i.id === id);
  return item?.compliance;
}

async function tabOf(id: string) {
  const [drift, compliance] = await Promise.all([
    call('GET /api/client/clusters/{id}/drift', { token: a.accessToken, path: { id } }),
    call('GET /api/client/clusters/{id}/compliance', { token: a.accessToken, path: { id } }),
  ]);
  expect(drift.status, drift.raw).toBe(200);
  expect(compliance.status, compliance.raw).toBe(200);
  return {
    drifted: drift.body.drifted as { instanceType: string }[],
    findings: compliance.body.findings as {
      ruleId: string;
      status: string;
      title: string;
      message: string;
    }[],
    compliant: (compliance.body.summary as { compliant: boolean }).compliant,
  };
}

/** The fixture cluster (2 × m5.xlarge, 1 × g4dn.xlarge) with one Deployment's pods privileged. */
async function snapshotWithPrivilegedPod(): Promise<ClusterSnapshot> {
  const s = await fixtureSnapshot({ clusterName: cluster.name, now: new Date() });
  const target = s.pods.find((p) => p.owner?.kind === 'Deployment')?.owner?.name;
  expect(target).toBeDefined();
  return {
    ...s,
    pods: s.pods.map((p) => ({
      ...p,
      security: {
        privileged: p.owner?.name === target,
        allowPrivilegeEscalation: false,
        runAsRoot: false,
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
        serviceAccountName: 'app',
        automountServiceAccountToken: false,
      },
    })),
  };
}

beforeAll(async () => {
  await useLocalServices();
  [a, b] = await Promise.all([signUpAndIn('Shield A'), signUpAndIn('Shield B')]);
  cluster = await seedCluster(a.orgId, { name: 'shield' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: a.accessToken,
    path: { id: cluster.clusterId },
  });
  expect(issued.status).toBe(201);
  agentToken = String(issued.body.token);
});

describe('the registry shield after an agent snapshot', () => {
  it('lists the forbidden type and the privileged pod as the Compliance & Drift tab does', async () => {
    // Before any snapshot there is nothing to find: the shield has none of the tab's checks.
    const before = await shieldOf(a, cluster.clusterId);
    expect(before?.checks.filter((c) => c.rule === 'template-drift' || /^\d|^EKS-BP/.test(c.rule))).toEqual(
      [],
    );

    const m5Only = await createTemplate('M5 only', ['m5']);
    const saved = await call('PUT /api/client/clusters/{id}/policy', {
      token: a.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 0, policy: { infrastructure: { autoscaling: { nodeTemplateId: m5Only } } } },
    });
    expect(saved.status, saved.raw).toBe(200);
    const pushed = await call('POST /api/ingest/snapshots', {
      token: agentToken,
      body: { kind: 'snapshot', agentVersion: '0.1.0', snapshot: await snapshotWithPrivilegedPod() },
    });
    expect(pushed.status, pushed.raw).toBe(202);

    const tab = await tabOf(cluster.clusterId);
    const shield = await shieldOf(a, cluster.clusterId);
    expect(shield).toBeDefined();
    // The tab finds the g4dn node and the privileged Deployment...
    expect(tab.drifted.map((d) => d.instanceType)).toEqual(['g4dn.xlarge']);
    const failing = tab.findings.filter((f) => f.status === 'fail');
    expect(failing.map((f) => f.ruleId)).toContain('4.2.1');
    // ... and the shield says the same: one violation per failing rule, in the tab's words, and the drift.
    expect(shield?.status).toBe('violations');
    expect(tab.compliant).toBe(false);
    const violations = (shield?.checks ?? []).filter((c) => failing.some((f) => f.ruleId === c.rule));
    expect(violations.map((c) => c.rule)).toEqual(failing.map((f) => f.ruleId));
    for (const c of violations) {
      const f = failing.find((x) => x.ruleId === c.rule);
      expect(c.kind).toBe('violation');
      expect(c.message).toContain(String(f?.title));
      expect(f?.message.startsWith(c.message.slice(c.message.indexOf(': ') + 2).replace(/\.$/, ''))).toBe(
        true,
      );
    }
    expect(shield?.checks).toContainEqual({
      rule: 'template-drift',
      kind: 'drift',
      message: '1 node runs a type the node template forbids: g4dn.xlarge.',
    });
    // A heartbeat rewrites the row from the Cluster item: the findings stay.
    const beat = await call('POST /api/ingest/snapshots', {
      token: agentToken,
      body: { kind: 'heartbeat', agentVersion: '0.1.0' },
    });
    expect(beat.status, beat.raw).toBe(200);
    expect(await shieldOf(a, cluster.clusterId)).toEqual(shield);
    // The sort by compliance reads the index entry, which carries the findings too.
    const sorted = await call('GET /api/client/clusters', {
      token: a.accessToken,
      query: { sort: 'compliance', dir: 'desc' },
    });
    const order = (sorted.body.items as { id: string; compliance: Shield }[]).map((i) => i.compliance.status);
    expect(order[0]).toBe('violations');
  });

  it('recounts the drift when a bulk apply holds the cluster to another template, or the template changes, without a snapshot', async () => {
    const withGpu = await createTemplate('M5 and G4dn', ['m5', 'g4dn']);
    const syncedBefore = (await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId)))?.lastSyncedAt;
    const applied = await call('POST /api/client/clusters/bulk', {
      token: a.accessToken,
      body: { action: 'apply-template', ids: [cluster.clusterId], templateId: withGpu },
    });
    expect(applied.body, applied.raw).toMatchObject({ succeeded: 1, failed: 0 });
    const stored = await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId));
    expect(stored?.lastSyncedAt).toBe(syncedBefore);

    const tab = await tabOf(cluster.clusterId);
    expect(tab.drifted).toEqual([]);
    const shield = await shieldOf(a, cluster.clusterId);
    expect(shield?.checks.map((c) => c.rule)).not.toContain('template-drift');
    // The scan's findings are the snapshot's: still there.
    expect(shield?.checks.map((c) => c.rule)).toContain('4.2.1');
    expect(stored?.findings).toMatchObject({ driftNodes: 0, driftTypes: [] });

    // An edit of what that template allows (no more g4dn) recounts it again.
    const edited = await call('PUT /api/client/node-templates/{id}', {
      token: a.accessToken,
      path: { id: withGpu },
      body: { ...templateBody('M5 and G4dn', ['m5']), isDefault: false, version: 1 },
    });
    expect(edited.status, edited.raw).toBe(200);
    expect((await tabOf(cluster.clusterId)).drifted.map((d) => d.instanceType)).toEqual(['g4dn.xlarge']);
    expect((await shieldOf(a, cluster.clusterId))?.checks).toContainEqual({
      rule: 'template-drift',
      kind: 'drift',
      message: '1 node runs a type the node template forbids: g4dn.xlarge.',
    });
  });

  it('shows another organization none of it', async () => {
    expect(await shieldOf(b, cluster.clusterId)).toBeUndefined();
    const drift = await call('GET /api/client/clusters/{id}/drift', {
      token: b.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(drift.status).toBe(404);
  });
});
