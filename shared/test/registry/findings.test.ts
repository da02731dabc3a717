import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ComplianceWorkload, evaluateCompliance } from '../../src/cluster-detail/compliance';
import { type DriftNode, detectDrift } from '../../src/cluster-detail/drift';
import type { ClusterListItem } from '../../src/model/cluster';
import { complianceRuleIds } from '../../src/model/cluster-detail';
import { complianceCheckRules, registryRowSchema } from '../../src/model/cluster-registry';
import { loadCatalog } from '../../src/pricing/catalog';
import { maxDriftTypes, registryFindingsOf } from '../../src/registry/findings';
import { encodeRegistryIndexEntry, registryIndexItemOf } from '../../src/registry/index-entry';
import { filterRegistry, sortRegistry } from '../../src/registry/query';
import { decodeRegistryRow, encodeRegistryRow, registryItemOf, registryRowOf } from '../../src/registry/row';

/**
 * The registry's shield against the cluster detail's Compliance & Drift tab (ADR 0068): the row keeps
 * what `detectDrift` and `evaluateCompliance` found, and the shield must say the same.
 */

const now = new Date('2026-06-01T12:00:00Z');
const catalog = loadCatalog();
const typeOf = (name: string) => catalog.instanceType(name);
const typeNames = catalog.instanceTypes.slice(0, 300).map((t) => t.name);

const baseRow = {
  clusterId: 'eks-1',
  name: 'payments',
  accountId: 'a1',
  region: 'us-east-1',
  // Current and in standard support at `now`, no collection error, no agent: none of the registry's
  // own checks fires, so the shield is the tab's findings alone.
  kubernetesVersion: '1.33',
  nodeCount: 3,
  monthlyRunRateUsd: 100,
  lastSyncedAt: now.toISOString(),
};

const securityArb = fc.record({
  privileged: fc.boolean(),
  allowPrivilegeEscalation: fc.boolean(),
  runAsRoot: fc.boolean(),
  hostNetwork: fc.boolean(),
  hostPID: fc.boolean(),
  hostIPC: fc.boolean(),
  serviceAccountName: fc.constantFrom('default', 'api'),
  automountServiceAccountToken: fc.boolean(),
});
const workloadArb: fc.Arbitrary<ComplianceWorkload> = fc.record({
  namespace: fc.constantFrom('a', 'b'),
  kind: fc.constantFrom('Deployment', 'DaemonSet'),
  name: fc.stringMatching(/^[a-z]{1,5}$/),
  replicas: fc.integer({ min: 0, max: 20 }),
  security: fc.option(securityArb, { nil: null }),
  limitCpuMilli: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null }),
  limitMemoryMiB: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null }),
});
const nodeArb = fc.record({
  type: fc.oneof(fc.constantFrom(...typeNames), fc.constant('zz9.unknown')),
  spot: fc.boolean(),
});
const specArb = fc.record({
  families: fc.subarray(['m5', 'c5', 'r5', 't3', 'm6g'], { minLength: 1 }),
  architecture: fc.constantFrom('x86_64' as const, 'arm64' as const),
  excludedSizes: fc.subarray(['metal', 'nano', '24xlarge']),
  capacityType: fc.constantFrom('spot' as const, 'on-demand' as const, 'hybrid' as const),
});
const clusterArb = fc.record({
  workloads: fc.array(workloadArb, { maxLength: 12 }),
  endpointPublicAccess: fc.option(fc.boolean(), { nil: null }),
  publicAccessCidrs: fc.subarray(['0.0.0.0/0', '10.0.0.0/8']),
  nodes: fc.array(nodeArb, { maxLength: 15 }),
  /** `null`: no node template bounds the cluster (the tab's note, nothing checked). */
  spec: fc.option(specArb, { nil: null }),
});

/** What the detail tab answers for a generated cluster, and the list item(s) the registry answers. */
type GeneratedCluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function bothSides(c: GeneratedCluster) {
  const nodes = c.nodes.map(
    (n, i): DriftNode => ({
      nodeName: `n${i}`,
      instanceType: n.type,
      capacityType: n.spot ? 'spot' : 'on-demand',
      zone: 'us-east-1a',
      nodeGroupId: null,
      launchedAt: '2026-05-01T00:00:00Z',
    }),
  );
  const drifted = c.spec ? detectDrift(c.spec, nodes, [], typeOf) : null;
  const compliance = evaluateCompliance('eks-1', {
    workloads: c.workloads,
    endpointPublicAccess: c.endpointPublicAccess,
    publicAccessCidrs: c.publicAccessCidrs,
    evaluatedAt: now.toISOString(),
  });
  const row = registryRowOf({ ...baseRow, findings: registryFindingsOf(drifted, compliance) });
  const fromRow = registryItemOf(encodeRegistryRow(row), null, now) as ClusterListItem;
  const fromIndex = registryIndexItemOf(
    'eks-1',
    encodeRegistryIndexEntry(row),
    null,
    null,
    now,
  ) as ClusterListItem;
  return { drifted, compliance, fromRow, fromIndex };
}

describe('the registry shield and the Compliance & Drift tab', () => {
  it('property: violations iff a scan rule fails, drift iff nodes drift and none fails, in the tab’s words', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const { drifted, compliance, fromRow, fromIndex } = bothSides(c);
        const failing = compliance.findings.filter((f) => f.status === 'fail');
        const drifting = (drifted?.length ?? 0) > 0;
        expect(fromRow.compliance.status).toBe(
          failing.length > 0 ? 'violations' : drifting ? 'drift' : 'compliant',
        );
        // The tab's own verdict ("CIS compliant" / "Policy violations detected") is the shield's.
        expect(fromRow.compliance.status === 'violations').toBe(!compliance.summary.compliant);

        // One violation per failing rule, whose sentence opens the tab's message for that rule.
        const violations = fromRow.compliance.checks.filter((k) => k.kind === 'violation');
        expect(violations.map((k) => k.rule)).toEqual(failing.map((f) => f.ruleId));
        for (const [i, f] of failing.entries()) {
          const message = violations[i]?.message ?? '';
          expect(message).toContain(f.ruleId);
          expect(message).toContain(f.title);
          // (the endpoint's message goes on to say from where: its shield sentence stops at "public")
          const found = message.slice(message.indexOf(': ') + 2).replace(/\.$/, '');
          expect(f.message.startsWith(found), `${f.message} / ${found}`).toBe(true);
        }

        // One drift check naming the count of drifted nodes and their types.
        const driftChecks = fromRow.compliance.checks.filter((k) => k.rule === 'template-drift');
        expect(driftChecks.length).toBe(drifting ? 1 : 0);
        if (drifting && drifted) {
          const message = driftChecks[0]?.message ?? '';
          expect(message.startsWith(`${drifted.length} node`)).toBe(true);
          const types = [...new Set(drifted.map((d) => d.instanceType))];
          if (types.length <= maxDriftTypes) for (const t of types) expect(message).toContain(t);
        }

        // The index the list filters and sorts by says the same as the full row.
        expect(fromIndex.compliance).toEqual(fromRow.compliance);
      }),
      { numRuns: 300 },
    );
  });

  it('says a privileged pod and a forbidden instance type as the tab does', () => {
    const { fromRow } = bothSides({
      workloads: [
        {
          namespace: 'payments',
          kind: 'Deployment',
          name: 'api',
          replicas: 3,
          security: {
            privileged: true,
            allowPrivilegeEscalation: false,
            runAsRoot: false,
            hostNetwork: false,
            hostPID: false,
            hostIPC: false,
            serviceAccountName: 'api',
            automountServiceAccountToken: false,
          },
          limitCpuMilli: 500,
          limitMemoryMiB: 512,
        },
      ],
      endpointPublicAccess: false,
      publicAccessCidrs: [],
      nodes: [
        { type: 'm5.large', spot: true },
        { type: 'p3.2xlarge', spot: true },
        { type: 'p3.2xlarge', spot: true },
      ],
      spec: { families: ['m5'], architecture: 'x86_64', excludedSizes: [], capacityType: 'spot' },
    });
    expect(fromRow.compliance).toEqual({
      status: 'violations',
      checks: [
        {
          rule: '4.2.1',
          kind: 'violation',
          message:
            'CIS 4.2.1 Minimize the admission of privileged containers: Privileged containers in 3 pods of 1 workload.',
        },
        {
          rule: 'template-drift',
          kind: 'drift',
          message: '2 nodes run types the node template forbids: p3.2xlarge.',
        },
      ],
    });
  });

  it('sorts and filters by the shield with the findings counted in', () => {
    const item = (id: string, findings: Parameters<typeof registryRowOf>[0]['findings']) => {
      const row = registryRowOf({ ...baseRow, clusterId: id, name: id, findings });
      return registryIndexItemOf(id, encodeRegistryIndexEntry(row), null, null, now) as ClusterListItem;
    };
    const items = [
      item('clean', { driftNodes: 0, driftTypes: [], failing: [] }),
      item('drifting', { driftNodes: 1, driftTypes: ['p3.2xlarge'], failing: [] }),
      item('violating', { driftNodes: null, driftTypes: [], failing: [['5.4.2', 1, 0]] }),
    ];
    const sorted = sortRegistry(filterRegistry(items, {}), 'compliance', 'desc');
    expect(sorted.map((i) => [i.id, i.compliance.status])).toEqual([
      ['violating', 'violations'],
      ['drifting', 'drift'],
      ['clean', 'compliant'],
    ]);
  });

  it('lists every rule of the scan among the check rules, in the scan’s order', () => {
    const { findings } = evaluateCompliance('eks-1', {
      workloads: [],
      endpointPublicAccess: null,
      publicAccessCidrs: [],
      evaluatedAt: null,
    });
    expect(findings.map((f) => f.ruleId)).toEqual([...complianceRuleIds]);
    for (const id of complianceRuleIds) expect(complianceCheckRules).toContain(id);
  });
});

describe('rows and index entries stored before the findings', () => {
  const row = registryRowOf({ ...baseRow, tags: { env: 'prod' } });
  const withFindings = registryRowOf({
    ...baseRow,
    findings: { driftNodes: 2, driftTypes: ['p3.2xlarge'], failing: [['4.2.1', 1, 3]] },
  });

  it('decodes a row stored before the findings (and the error ratio after them) with every other field', () => {
    const stored = JSON.parse(encodeRegistryRow(row)) as unknown[];
    const old = JSON.stringify(stored.slice(0, -2));
    expect(Object.keys(registryRowSchema.shape).slice(-2)).toEqual(['findings', 'apiErrorRatio']);
    expect(decodeRegistryRow(old)).toEqual({ ...row, findings: null });
    expect(registryItemOf(old, null, now)?.compliance).toEqual({ status: 'compliant', checks: [] });
  });

  it('round-trips the findings through the row and its index entry', () => {
    expect(decodeRegistryRow(encodeRegistryRow(withFindings))).toEqual(withFindings);
    const item = registryIndexItemOf('eks-1', encodeRegistryIndexEntry(withFindings), null, null, now);
    expect(item?.compliance.status).toBe('violations');
    expect(item && 'findings' in item).toBe(false);
  });

  it('reads an index entry of the older length as one without findings, and refuses a shorter one', () => {
    const entry = JSON.parse(encodeRegistryIndexEntry(withFindings)) as unknown[];
    // Before the findings, which the error ratio (ADR 0086) follows.
    const old = JSON.stringify(entry.slice(0, -2));
    expect(registryIndexItemOf('eks-1', old, null, null, now)?.compliance.status).toBe('compliant');
    expect(registryIndexItemOf('eks-1', JSON.stringify(entry.slice(0, -3)), null, null, now)).toBeNull();
  });

  it('leaves out a failing rule this release does not know', () => {
    const retired = registryRowOf({
      ...baseRow,
      findings: { driftNodes: 0, driftTypes: [], failing: [['9.9.9', 1, 1]] },
    });
    expect(registryItemOf(encodeRegistryRow(retired), null, now)?.compliance.status).toBe('compliant');
  });
});
