import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesAccessError } from '@spot/functions/ports/kubernetes-errors';
import { agentKubernetesRules } from '@spot/shared/model/cluster-onboarding';
import { clusterSnapshotSchema } from '@spot/shared/model/cluster-snapshot';
import { afterEach, describe, expect, it } from 'vitest';
import { readableSnapshot, SandboxRbac } from '../../src/sandbox/rbac';
import { SandboxState } from '../../src/sandbox/state';
import { keyTarget, testSandbox } from './fixtures';

/**
 * The sandbox clusters' RBAC (ADR 0070): SelfSubjectAccessReviews answered per subject from the
 * read-only role, a permission taken away from one subject of one cluster only, kept across a restart.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('sandbox RBAC', () => {
  it('allows the read-only role to every subject, and nothing beyond it', () => {
    const rbac = new SandboxRbac(new SandboxState('42/small'));
    for (const subject of ['kubeconfig', 'role', 'agent'] as const)
      for (const rule of agentKubernetesRules) {
        const [resource, ...group] = rule.resource.split('.');
        const answer = rbac.review('prod', subject, {
          verb: rule.verb,
          group: group.join('.'),
          resource: resource ?? '',
        });
        expect(answer.allowed, `${subject} ${rule.verb} ${rule.resource}`).toBe(true);
        expect(answer.reason).toMatch(/^RBAC: allowed by ClusterRoleBinding/);
      }
    expect(rbac.review('prod', 'agent', { verb: 'create', group: '', resource: 'namespaces' })).toEqual({
      allowed: false,
      reason: null,
    });
    // The group matters: "deployments" of the core group is not "deployments.apps".
    expect(rbac.review('prod', 'agent', { verb: 'list', group: '', resource: 'deployments' }).allowed).toBe(
      false,
    );
  });

  it('takes a permission away from one subject of one cluster, gives it back, and keeps it across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-rbac-'));
    dirs.push(dir);
    const file = join(dir, 'sandbox-state.json');
    const events = { verb: 'list', group: '', resource: 'events' };
    const rbac = new SandboxRbac(new SandboxState('42/small', file));
    rbac.set('prod', ['agent'], 'list', 'events', false);
    expect(rbac.review('prod', 'agent', events).allowed).toBe(false);
    expect(rbac.review('prod', 'kubeconfig', events).allowed).toBe(true);
    expect(rbac.review('staging', 'agent', events).allowed).toBe(true);
    const restarted = new SandboxRbac(new SandboxState('42/small', file));
    expect(restarted.review('prod', 'agent', events).allowed).toBe(false);
    restarted.set('prod', ['agent'], 'list', 'events', true);
    expect(new SandboxRbac(new SandboxState('42/small', file)).review('prod', 'agent', events).allowed).toBe(
      true,
    );
  });
});

describe('what the sandbox API server lets each subject list (ADR 0070)', { timeout: 30_000 }, () => {
  it('refuses a list taken from the kubeconfig user with a 403 the collector reports: an optional part left out and named, nodes fail the read', async () => {
    const { cloud } = testSandbox({ size: 'e2e' });
    const name = 'dev-ads-usw2';
    const target = keyTarget(cloud, 3, 'us-west-2');
    const eks = (await cloud.listEksClusters(target)).find((c) => c.name === name);
    const file = cloud.kubeconfigFor(name);
    if (!eks || !file) throw new Error(`${name} is listed and has a kubeconfig`);
    const withFile = {
      ...eks,
      kubeconfig: { auth: 'token' as const, server: eks.endpoint ?? '', open: async () => file },
    };
    const port = cloud.kubernetesPort;
    const full = await port.collectSnapshot(target, withFile);
    expect(full.deniedLists).toBeUndefined();
    const nodeEvents = full.events.filter((e) => e.objectKind === 'Node');
    const withUsage = full.nodes.filter((n) => n.usage !== null);
    expect(
      full.pdbs.length + nodeEvents.length + withUsage.length,
      'the cluster has something to lose',
    ).toBeGreaterThan(0);

    cloud.rbac.set(name, ['kubeconfig'], 'list', 'events', false);
    cloud.rbac.set(name, ['kubeconfig'], 'list', 'poddisruptionbudgets.policy', false);
    cloud.rbac.set(name, ['kubeconfig'], 'list', 'nodes.metrics.k8s.io', false);
    const partial = await port.collectSnapshot(target, withFile);
    expect(clusterSnapshotSchema.safeParse(partial).success).toBe(true);
    expect(partial.deniedLists).toEqual(['events', 'poddisruptionbudgets.policy', 'nodes.metrics.k8s.io']);
    expect(partial.events.filter((e) => e.objectKind === 'Node')).toEqual([]);
    expect(partial.pdbs).toEqual([]);
    expect(partial.nodes.every((n) => n.usage === null)).toBe(true);
    // Nodes and pods themselves are still read.
    expect(partial.nodes.map((n) => n.name)).toEqual(full.nodes.map((n) => n.name));
    expect(partial.pods.length).toBe(full.pods.length);
    // Only that subject: the role (its access entry) and the agent still list everything.
    const asRole = await port.collectSnapshot(target, eks);
    expect(asRole.deniedLists).toBeUndefined();
    expect(readableSnapshot(cloud.rbac, name, 'agent', full)).toBe(full);

    // Nodes refused: no snapshot, the collector's access error (a 422 with the fix, never a 500).
    cloud.rbac.set(name, ['kubeconfig'], 'list', 'nodes', false);
    const refused = await port.collectSnapshot(target, withFile).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(KubernetesAccessError);
    expect((refused as KubernetesAccessError).statusCode).toBe(422);
    expect((refused as Error).message).toMatch(
      /^The cluster refused to list nodes \(HTTP 403\)\. The credential of the kubeconfig/,
    );
    expect((refused as Error).message).not.toContain(cloud.serviceAccountToken(name));
  });

  it("gives the agent's service account its own RBAC: pods taken away fail its read, events leave them out", () => {
    const { cloud } = testSandbox({ size: 'e2e' });
    const name = 'dev-ads-usw2';
    const full = cloud.kubernetes.snapshotAt(name, new Date(cloud.now()));
    cloud.rbac.set(name, ['agent'], 'list', 'horizontalpodautoscalers.autoscaling', false);
    const partial = readableSnapshot(cloud.rbac, name, 'agent', full);
    expect(partial.deniedLists).toEqual(['horizontalpodautoscalers.autoscaling']);
    expect(partial.hpas).toEqual([]);
    expect(partial.pdbs).toEqual(full.pdbs);
    cloud.rbac.set(name, ['agent'], 'list', 'pods', false);
    expect(() => readableSnapshot(cloud.rbac, name, 'agent', full)).toThrow(
      /^The cluster refused to list pods \(HTTP 403\)\. Apply the agent's ClusterRole/,
    );
    expect(readableSnapshot(cloud.rbac, name, 'kubeconfig', full)).toBe(full);
  });
});
