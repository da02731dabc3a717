import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ComplianceWorkload,
  evaluateCompliance,
  podRules,
  type WorkloadSecurity,
  workloadSecurityOf,
} from '../../src/cluster-detail/compliance';
import type { SnapshotPodSecurity } from '../../src/model/cluster-snapshot';

const safe: WorkloadSecurity = {
  privileged: false,
  allowPrivilegeEscalation: false,
  runAsRoot: false,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  serviceAccountName: 'api',
  automountServiceAccountToken: false,
};

const workload = (over: Partial<ComplianceWorkload> = {}): ComplianceWorkload => ({
  namespace: 'shop',
  kind: 'Deployment',
  name: 'api',
  replicas: 3,
  security: safe,
  limitCpuMilli: 1000,
  limitMemoryMiB: 512,
  ...over,
});

const input = (workloads: ComplianceWorkload[], endpointPublicAccess: boolean | null = false) => ({
  workloads,
  endpointPublicAccess,
  publicAccessCidrs: [] as string[],
  evaluatedAt: '2026-12-07T00:00:00Z',
});

const finding = (r: ReturnType<typeof evaluateCompliance>, ruleId: string) => {
  const f = r.findings.find((x) => x.ruleId === ruleId);
  if (!f) throw new Error(`no finding ${ruleId}`);
  return f;
};

describe('evaluateCompliance', () => {
  it('passes every rule on a hardened workload with a private endpoint', () => {
    const report = evaluateCompliance('c1', input([workload()]));
    expect(report.findings.map((f) => f.status)).toEqual(report.findings.map(() => 'pass'));
    expect(report.summary).toEqual({
      failed: 0,
      passed: report.findings.length,
      notEvaluated: 0,
      compliant: true,
    });
  });

  it('names the objects and counts their pods for each violated rule', () => {
    const report = evaluateCompliance(
      'c1',
      input([
        workload({
          name: 'agent',
          kind: 'DaemonSet',
          replicas: 4,
          security: { ...safe, privileged: true, hostNetwork: true },
        }),
        workload({
          name: 'legacy',
          replicas: 2,
          security: {
            ...safe,
            runAsRoot: true,
            serviceAccountName: 'default',
            automountServiceAccountToken: true,
          },
        }),
        workload({ name: 'batch', limitCpuMilli: null }),
      ]),
    );
    expect(finding(report, '4.2.1')).toMatchObject({
      status: 'fail',
      podCount: 4,
      objects: [{ kind: 'DaemonSet', namespace: 'shop', name: 'agent', podCount: 4 }],
    });
    expect(finding(report, '4.2.4').status).toBe('fail');
    expect(finding(report, '4.2.6').message).toContain('Root access enabled on 2 pods of 1 workload.');
    expect(finding(report, '4.1.5').objects.map((o) => o.name)).toEqual(['legacy']);
    expect(finding(report, 'EKS-BP-REL-LIMITS').objects.map((o) => o.name)).toEqual(['batch']);
    expect(finding(report, '4.2.2').status).toBe('pass');
    expect(report.summary.compliant).toBe(false);
  });

  it('says "not evaluated" rather than "pass" when the collector sent no security context', () => {
    const report = evaluateCompliance('c1', input([workload({ security: null })], null));
    expect(finding(report, '4.2.1').status).toBe('not-evaluated');
    expect(finding(report, '5.4.2').status).toBe('not-evaluated');
    // Limits come from the resources, which every collector sends.
    expect(finding(report, 'EKS-BP-REL-LIMITS').status).toBe('pass');
  });

  it('fails a public endpoint and says when it is open to the world', () => {
    const open = evaluateCompliance('c1', { ...input([], true), publicAccessCidrs: ['0.0.0.0/0'] });
    expect(finding(open, '5.4.2').message).toContain('from anywhere');
    const narrowed = evaluateCompliance('c1', { ...input([], true), publicAccessCidrs: ['203.0.113.0/24'] });
    expect(finding(narrowed, '5.4.2')).toMatchObject({ status: 'fail' });
    expect(finding(narrowed, '5.4.2').message).toContain('203.0.113.0/24');
  });
});

const securityArb: fc.Arbitrary<WorkloadSecurity> = fc.record({
  privileged: fc.boolean(),
  allowPrivilegeEscalation: fc.boolean(),
  runAsRoot: fc.boolean(),
  hostNetwork: fc.boolean(),
  hostPID: fc.boolean(),
  hostIPC: fc.boolean(),
  serviceAccountName: fc.constantFrom('default', 'api'),
  automountServiceAccountToken: fc.boolean(),
});
const workloadArb = fc.record({
  namespace: fc.constantFrom('a', 'b', 'kube-system'),
  kind: fc.constantFrom('Deployment', 'DaemonSet', 'StatefulSet'),
  name: fc.stringMatching(/^[a-z]{1,6}$/),
  replicas: fc.integer({ min: 0, max: 50 }),
  security: fc.option(securityArb, { nil: null }),
  limitCpuMilli: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null }),
  limitMemoryMiB: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null }),
});

describe('evaluateCompliance properties', () => {
  it('a rule fails exactly when some checkable workload violates it; its pod count is the sum of theirs', () => {
    fc.assert(
      fc.property(fc.array(workloadArb, { maxLength: 20 }), (workloads) => {
        const report = evaluateCompliance('c', input(workloads));
        for (const rule of podRules) {
          const f = finding(report, rule.ruleId);
          const violators = workloads.filter(
            (w) => (!rule.needsSecurity || w.security !== null) && rule.violates(w, w.security ?? safe),
          );
          expect(f.status === 'fail').toBe(violators.length > 0);
          expect(f.podCount).toBe(violators.reduce((n, w) => n + w.replicas, 0));
          expect(f.objects).toHaveLength(violators.length);
        }
        const s = report.summary;
        expect(s.failed + s.passed + s.notEvaluated).toBe(report.findings.length);
        expect(s.compliant).toBe(s.failed === 0);
      }),
    );
  });

  it('hardening a workload never adds a failure', () => {
    fc.assert(
      fc.property(fc.array(workloadArb, { minLength: 1, maxLength: 10 }), fc.nat(), (workloads, pick) => {
        const i = pick % workloads.length;
        const hardened = workloads.map((w, j) =>
          j === i ? { ...w, security: safe, limitCpuMilli: 100, limitMemoryMiB: 100 } : w,
        );
        const before = evaluateCompliance('c', input(workloads)).summary.failed;
        const after = evaluateCompliance('c', input(hardened)).summary.failed;
        expect(after).toBeLessThanOrEqual(before);
      }),
    );
  });
});

describe('workloadSecurityOf', () => {
  const pod = (s: Partial<SnapshotPodSecurity>) => ({ security: { ...safe, ...s } as SnapshotPodSecurity });
  it('sets a flag when any pod has it', () => {
    expect(workloadSecurityOf([pod({}), pod({ privileged: true })])?.privileged).toBe(true);
    expect(workloadSecurityOf([pod({}), pod({})])?.privileged).toBe(false);
  });
  it('is null when a pod lacks the security context, or there are no pods', () => {
    expect(workloadSecurityOf([pod({}), {}])).toBeNull();
    expect(workloadSecurityOf([])).toBeNull();
  });
});
