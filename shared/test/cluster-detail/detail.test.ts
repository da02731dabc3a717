import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DriftNode, detectDrift } from '../../src/cluster-detail/drift';
import {
  autoScalingGroupMaxNodes,
  type EditableGroup,
  managedNodeGroupMaxNodes,
  planNodeGroupUpdate,
} from '../../src/cluster-detail/node-group-update';
import { alertFeed, type OverviewNode, topologyOf } from '../../src/cluster-detail/overview';
import { namespaceCosts, topSpenders } from '../../src/cluster-detail/workloads';
import { isDomainError } from '../../src/errors';
import { loadCatalog } from '../../src/pricing/catalog';

const catalog = loadCatalog();
const typeOf = (name: string) => catalog.instanceType(name);

describe('detectDrift', () => {
  const spec = {
    families: ['m5', 'c5'],
    architecture: 'x86_64' as const,
    excludedSizes: ['metal'],
    capacityType: 'spot' as const,
  };
  const node = (over: Partial<DriftNode>): DriftNode => ({
    nodeName: 'n1',
    instanceType: 'm5.large',
    capacityType: 'spot',
    zone: 'us-east-1a',
    nodeGroupId: 'asg-workers',
    launchedAt: '2026-12-01T00:00:00Z',
    ...over,
  });
  const groups = [{ nodeGroupId: 'asg-workers', name: 'workers', kind: 'asg' as const }];

  it('reports forbidden types with who launched them, newest first, and leaves allowed nodes out', () => {
    const drifted = detectDrift(
      spec,
      [
        node({ nodeName: 'ok' }),
        node({ nodeName: 'graviton', instanceType: 'm6g.large', launchedAt: '2026-12-02T00:00:00Z' }),
        node({
          nodeName: 'by-hand',
          instanceType: 'r5.large',
          nodeGroupId: null,
          capacityType: 'on-demand',
          launchedAt: '2026-12-03T00:00:00Z',
        }),
        node({ nodeName: 'metal', instanceType: 'm5.metal' }),
      ],
      groups,
      typeOf,
    );
    expect(drifted.map((d) => d.nodeName)).toEqual(['by-hand', 'graviton', 'metal']);
    expect(drifted[0]?.launchedBy).toEqual({ kind: 'manual', name: null });
    expect(drifted[0]?.reasons.map((r) => r.code)).toEqual([
      'family-not-allowed',
      'capacity-type-not-allowed',
    ]);
    expect(drifted[1]?.launchedBy).toEqual({ kind: 'asg', name: 'workers' });
    expect(drifted[1]?.reasons.map((r) => r.code)).toEqual([
      'family-not-allowed',
      'architecture-not-allowed',
    ]);
    expect(drifted[2]?.reasons.map((r) => r.code)).toEqual(['size-excluded']);
  });

  it('a type missing from the catalog is drift, named as such', () => {
    const [d] = detectDrift(spec, [node({ instanceType: 'zz9.huge' })], groups, typeOf);
    expect(d?.reasons.map((r) => r.code)).toEqual(['unknown-instance-type']);
  });

  it('property: a node is drifted exactly when the template rule rejects its type or capacity', () => {
    const names = catalog.instanceTypes.slice(0, 400).map((t) => t.name);
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.constantFrom(...names), spot: fc.boolean() }), { maxLength: 30 }),
        fc.constantFrom('spot', 'on-demand', 'hybrid'),
        (picks, capacityType) => {
          const s = { ...spec, capacityType: capacityType as 'spot' | 'on-demand' | 'hybrid' };
          const nodes = picks.map((p, i) =>
            node({ nodeName: `n${i}`, instanceType: p.type, capacityType: p.spot ? 'spot' : 'on-demand' }),
          );
          const drifted = new Set(detectDrift(s, nodes, groups, typeOf).map((d) => d.nodeName));
          for (const n of nodes) {
            const t = typeOf(n.instanceType);
            const allowed =
              t !== undefined &&
              s.families.includes(t.family) &&
              t.architectures.includes(s.architecture) &&
              !s.excludedSizes.includes(t.size) &&
              (s.capacityType === 'hybrid' || s.capacityType === n.capacityType);
            expect(drifted.has(n.nodeName)).toBe(!allowed);
          }
        },
      ),
    );
  });
});

describe('planNodeGroupUpdate', () => {
  const asg: EditableGroup = {
    kind: 'asg',
    name: 'workers',
    capacityType: 'on-demand',
    minSize: 1,
    desiredSize: 3,
    maxSize: 5,
    mixedInstancesPolicy: true,
  };
  const mng: EditableGroup = { ...asg, kind: 'managed-node-group', mixedInstancesPolicy: false };

  it('moves desired into [min, max] and says so', () => {
    const plan = planNodeGroupUpdate(asg, { minSize: 4, maxSize: 8 });
    expect(plan.sizes).toEqual({ minSize: 4, desiredSize: 4, maxSize: 8 });
    expect(plan.notes[0]).toContain('from 3 to 4');
    expect(plan.distribution).toBeNull();
  });

  it('switches an ASG with a mixed instances policy to spot through its distribution', () => {
    const plan = planNodeGroupUpdate(asg, { minSize: 1, maxSize: 5, spotMode: true });
    expect(plan.sizes).toBeNull();
    expect(plan.distribution).toEqual({ onDemandBaseCapacity: 0, onDemandPercentageAboveBase: 0 });
    expect(plan.capacityTypeAfter).toBe('spot');
  });

  it.each([
    [mng, { minSize: 0, maxSize: 0 }, 'maxSize 0'],
    [mng, { minSize: 0, maxSize: managedNodeGroupMaxNodes + 1 }, 'Nodes per managed node group'],
    [mng, { minSize: 1, maxSize: 5, spotMode: true }, 'capacity type when it is created'],
    [asg, { minSize: 0, maxSize: autoScalingGroupMaxNodes + 1 }, 'check the number'],
    [
      { ...asg, mixedInstancesPolicy: false },
      { minSize: 1, maxSize: 5, spotMode: true },
      'mixed instances policy',
    ],
    [{ ...asg, kind: 'karpenter-nodepool' as const }, { minSize: 1, maxSize: 5 }, 'Karpenter NodePool'],
    [asg, { minSize: 6, maxSize: 5 }, 'minSize must not exceed maxSize'],
  ])('refuses with a message naming the rule (%#)', (group, body, words) => {
    let caught: unknown;
    try {
      planNodeGroupUpdate(group, body);
    } catch (error) {
      caught = error;
    }
    expect(isDomainError(caught) && caught.statusCode).toBe(400);
    expect((caught as Error).message).toContain(words);
  });

  it('property: an accepted plan always satisfies min <= desired <= max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (desired, min, max, startMax) => {
          const group = { ...asg, minSize: 0, desiredSize: desired, maxSize: Math.max(desired, startMax) };
          if (min > max) return;
          const plan = planNodeGroupUpdate(group, { minSize: min, maxSize: max });
          const sizes = plan.sizes ?? group;
          expect(sizes.minSize).toBeLessThanOrEqual(sizes.desiredSize);
          expect(sizes.desiredSize).toBeLessThanOrEqual(sizes.maxSize);
          expect(plan.notes.length > 0).toBe(sizes.desiredSize !== desired);
        },
      ),
    );
  });
});

describe('namespaceCosts and topSpenders', () => {
  const w = (
    namespace: string,
    name: string,
    cost: number,
    req: number,
    used: number | null,
    kind = 'Deployment',
  ) => ({
    namespace,
    kind,
    name,
    replicas: 1,
    requestCpuMilli: req,
    requestMemoryMiB: 100,
    usedCpuMilli: used,
    usedMemoryMiB: used === null ? null : 50,
    monthlyCostUsd: cost,
  });

  it('says "analytics requests 100 CPUs and uses 12" for an over-requesting namespace', () => {
    const rows = namespaceCosts([
      w('analytics', 'spark', 900, 60_000, 7_000),
      w('analytics', 'etl', 300, 40_000, 5_000),
      w('web', 'api', 100, 1000, 900),
    ]);
    expect(rows.map((r) => r.namespace)).toEqual(['analytics', 'web']);
    expect(rows[0]?.insight).toBe(
      'analytics requests 100 CPUs and uses 12 CPUs. Recommendation: right-size.',
    );
    expect(rows[0]?.monthlyCostUsd).toBe(1200);
    expect(rows[1]?.insight).toBeNull();
  });

  it('no usage yet: no ratio and no insight', () => {
    const [row] = namespaceCosts([w('new', 'x', 1, 1000, null)]);
    expect(row?.cpuUseRatio).toBeNull();
    expect(row?.insight).toBeNull();
  });

  it('property: namespace costs add up to the workloads total', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ ns: fc.constantFrom('a', 'b', 'c'), cost: fc.integer({ min: 0, max: 10_000 }) }),
        ),
        (xs) => {
          const rows = namespaceCosts(xs.map((x, i) => w(x.ns, `w${i}`, x.cost, 100, 50)));
          expect(rows.reduce((n, r) => n + r.monthlyCostUsd, 0)).toBe(xs.reduce((n, x) => n + x.cost, 0));
          for (let i = 1; i < rows.length; i++)
            expect((rows[i - 1]?.monthlyCostUsd ?? 0) >= (rows[i]?.monthlyCostUsd ?? 0)).toBe(true);
        },
      ),
    );
  });

  it('top spenders keep Deployments and StatefulSets only, most expensive first', () => {
    const top = topSpenders(
      [w('a', 'ds', 999, 1, 1, 'DaemonSet'), w('a', 'db', 50, 1, 1, 'StatefulSet'), w('a', 'api', 80, 1, 1)],
      5,
    );
    expect(top.map((t) => t.name)).toEqual(['api', 'db']);
  });
});

describe('overview', () => {
  const n = (over: Partial<OverviewNode>): OverviewNode => ({
    nodeName: 'n',
    instanceType: 'm5.large',
    capacityType: 'spot',
    zone: 'us-east-1a',
    nodeGroupId: 'g1',
    ready: true,
    pressure: [],
    hourlyPriceUsd: 0.05,
    ...over,
  });

  it('topology puts nodes in their groups, spot first, and unclaimed nodes under "Unmanaged nodes"', () => {
    const topo = topologyOf(
      [
        { nodeGroupId: 'g1', name: 'workers', kind: 'asg' },
        { nodeGroupId: 'g2', name: 'empty', kind: 'asg' },
      ],
      [
        n({ nodeName: 'b', capacityType: 'on-demand' }),
        n({ nodeName: 'a' }),
        n({ nodeName: 'x', nodeGroupId: null }),
      ],
    );
    expect(topo.map((g) => [g.name, g.nodes.map((x) => x.nodeName)])).toEqual([
      ['empty', []],
      ['Unmanaged nodes', ['x']],
      ['workers', ['a', 'b']],
    ]);
    expect(topo[2]).toMatchObject({ spotNodes: 1, onDemandNodes: 1 });
  });

  it('raises spot risk per zone from the advisor bucket, pressure, pending pods and a lost heartbeat', () => {
    const alerts = alertFeed({
      nodes: [
        n({ nodeName: 'a', instanceType: 'risky' }),
        n({ nodeName: 'b', zone: 'us-east-1b', pressure: ['MemoryPressure'] }),
      ],
      spotBucketOf: (t) => (t === 'risky' ? { index: 4, label: '>20%' } : { index: 0, label: '<5%' }),
      pendingPods: 2,
      lastContactAt: '2026-12-07T00:00:00Z',
      agentConnected: true,
      now: new Date('2026-12-07T03:30:00Z'),
    });
    expect(alerts.map((a) => a.kind)).toEqual([
      'spot-reclaim-risk',
      'heartbeat-lost',
      'node-pressure',
      'pending-pods',
    ]);
    expect(alerts[0]?.message).toContain('Spot Instance Reclaim Risk High in zone us-east-1a');
    expect(alerts[1]?.message).toContain('3 h 30 min');
  });

  it('a fresh agentless cluster without risky spot has no alert', () => {
    expect(
      alertFeed({
        nodes: [n({})],
        spotBucketOf: () => ({ index: 1, label: '5-10%' }),
        pendingPods: 0,
        lastContactAt: null,
        agentConnected: false,
        now: new Date(),
      }),
    ).toEqual([]);
  });
});
