import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentKubernetesRules } from '@spot/shared/model/cluster-onboarding';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxRbac } from '../../src/sandbox/rbac';
import { SandboxState } from '../../src/sandbox/state';

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
