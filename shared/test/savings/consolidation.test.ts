import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/savings/cluster';
import {
  type ConsolidationInput,
  type ConsolidationPolicy,
  consolidationPolicySchema,
  planConsolidation,
  type ReplacementOption,
} from '../../src/savings/consolidation';
import { SavingsError } from '../../src/savings/errors';
import type { FitFunction } from '../../src/savings/fit';
import { cNode, NOW, pod } from './fixtures';

const policy = (overrides: Partial<ConsolidationPolicy> = {}): ConsolidationPolicy =>
  consolidationPolicySchema.parse(overrides);

const input = (overrides: Partial<ConsolidationInput>): ConsolidationInput => ({
  nodes: [],
  pods: [],
  pdbs: [],
  policy: policy(),
  replacementOptions: [],
  ...overrides,
});

const ds = (nodeName: string): Pod =>
  pod({
    name: `exporter-${nodeName}`,
    nodeName,
    cpuRequestMilli: 100,
    memoryRequestMiB: 200,
    owner: { kind: 'DaemonSet', name: 'exporter' },
  });

describe('consolidation: conservative, delete only', () => {
  const nodes = [cNode({ name: 'n1' }), cNode({ name: 'n2' }), cNode({ name: 'n3' })];
  const pods = [
    pod({ name: 'small', nodeName: 'n1', cpuRequestMilli: 300, memoryRequestMiB: 512 }),
    pod({ name: 'web', nodeName: 'n2', cpuRequestMilli: 1000, memoryRequestMiB: 2048 }),
    pod({ name: 'api', nodeName: 'n3', cpuRequestMilli: 1200, memoryRequestMiB: 2048 }),
  ];

  it('removes the node under 20 % and moves its pod to the first node with room', () => {
    const plan = planConsolidation(
      input({ nodes, pods, policy: policy({ aggressiveness: 'conservative' }) }),
      NOW,
    );
    expect(plan.nodes.map((n) => [n.node, n.status])).toEqual([
      ['n1', 'candidate'],
      ['n2', 'not-eligible'],
      ['n3', 'not-eligible'],
    ]);
    expect(plan.nodes[0]?.utilization).toBeCloseTo(0.15, 12);
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ phase: 'single-node', kind: 'delete', nodes: ['n1'] });
    expect(plan.moves).toEqual([
      { pod: 'default/small', fromNode: 'n1', toNode: 'n2', toReplacement: false },
    ]);
    // 0.096 USD/h x 730 = 70.08 USD/month
    expect(plan.hourlySavingUsd).toBeCloseTo(0.096, 12);
    expect(plan.monthlySavingUsd).toBeCloseTo(70.08, 9);
    expect(plan.podsDisrupted).toBe(1);
  });

  it('waits for the stabilization window', () => {
    const fresh = nodes.map((n) => ({ ...n, eligibleSince: '2026-03-02T11:55:00Z' }));
    const plan = planConsolidation(
      input({ nodes: fresh, pods, policy: policy({ aggressiveness: 'conservative' }) }),
      NOW,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.nodes[0]).toMatchObject({
      status: 'stabilizing',
      eligibleNow: true,
      actionableAt: '2026-03-02T12:05:00.000Z',
    });
    const untracked = nodes.map((n) => ({ ...n, eligibleSince: null }));
    const plan2 = planConsolidation(
      input({ nodes: untracked, pods, policy: policy({ aggressiveness: 'conservative' }) }),
      NOW,
    );
    expect(plan2.nodes[0]).toMatchObject({ status: 'stabilizing', eligibleNow: true, actionableAt: null });
  });
});

describe('consolidation: protections', () => {
  const nodes = [cNode({ name: 'n1' }), cNode({ name: 'n2' })];

  it('never touches a do-not-disrupt pod, a PDB-blocked pod or an exempt pod, nor their nodes', () => {
    const cases: [Pod, string, string][] = [
      [
        pod({ name: 'p', nodeName: 'n1', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
        'blocked',
        'pod-do-not-disrupt',
      ],
      [pod({ name: 'p', nodeName: 'n1', pdbName: 'p-pdb' }), 'blocked', 'pod-pdb-blocked'],
      [pod({ name: 'p', nodeName: 'n1', namespace: 'payments' }), 'unmanaged', 'pod-exempt'],
      [pod({ name: 'p', nodeName: 'n1', labels: { app: 'legacy-db' } }), 'unmanaged', 'pod-exempt'],
    ];
    for (const [p, status, reason] of cases) {
      const plan = planConsolidation(
        input({
          nodes,
          pods: [p, pod({ name: 'q', nodeName: 'n2', cpuRequestMilli: 1500 })],
          pdbs: [{ namespace: 'default', name: 'p-pdb', disruptionsAllowed: 0 }],
          policy: policy({
            exemptions: { namespaces: ['payments'], labels: [{ key: 'app', value: 'legacy-db' }] },
          }),
        }),
        NOW,
      );
      expect(plan.nodes[0]).toMatchObject({ status, reasons: [reason] });
      expect(plan.removedNodes).toEqual([]);
      expect(plan.moves).toEqual([]);
    }
  });

  it('counts unmanaged nodes in cost, never in savings, and never moves pods onto them', () => {
    const plan = planConsolidation(
      input({
        nodes: [cNode({ name: 'n1' }), cNode({ name: 'ops', labels: { team: 'ops' }, hourlyPriceUsd: 0.2 })],
        pods: [pod({ name: 'a', nodeName: 'n1', cpuRequestMilli: 100 })],
        policy: policy({ exemptions: { namespaces: [], labels: [{ key: 'team' }] } }),
      }),
      NOW,
    );
    expect(plan.nodes[1]).toMatchObject({ status: 'unmanaged', reasons: ['node-exempt'] });
    expect(plan.unmanagedHourlyCostUsd).toBe(0.2);
    expect(plan.removedNodes).toEqual([]);
  });

  it('respects a node annotated do-not-disrupt', () => {
    const plan = planConsolidation(
      input({ nodes: [cNode({ name: 'n1', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })] }),
      NOW,
    );
    expect(plan.nodes[0]?.status).toBe('blocked');
    expect(plan.removedNodes).toEqual([]);
  });

  it('spends a PDB budget once across the nodes of a plan', () => {
    const plan = planConsolidation(
      input({
        nodes: [cNode({ name: 'n1' }), cNode({ name: 'n2' }), cNode({ name: 'n3' })],
        pods: [
          pod({ name: 'a', nodeName: 'n1', pdbName: 'web' }),
          pod({ name: 'b', nodeName: 'n2', pdbName: 'web' }),
          pod({ name: 'c', nodeName: 'n3', cpuRequestMilli: 1200 }),
        ],
        pdbs: [{ namespace: 'default', name: 'web', disruptionsAllowed: 1 }],
      }),
      NOW,
    );
    expect(plan.actions.map((a) => a.phase)).toEqual(['single-node']);
    expect(plan.removedNodes).toHaveLength(1);
  });
});

describe('consolidation: Karpenter phases', () => {
  it('deletes empty nodes first, without disrupting anything', () => {
    const plan = planConsolidation(
      input({
        nodes: [cNode({ name: 'n1' }), cNode({ name: 'n2' }), cNode({ name: 'n3' })],
        pods: [ds('n1'), ds('n2'), ds('n3'), pod({ name: 'a', nodeName: 'n3', cpuRequestMilli: 1500 })],
      }),
      NOW,
    );
    expect(plan.actions[0]).toMatchObject({ phase: 'empty', kind: 'delete', moves: [] });
    expect(plan.actions[0]?.nodes.sort()).toEqual(['n1', 'n2']);
    expect(plan.podsDisrupted).toBe(0);
    expect(plan.hourlySavingUsd).toBeCloseTo(0.192, 12);
  });

  it('delete-empty never moves pods', () => {
    const plan = planConsolidation(
      input({
        nodes: [cNode({ name: 'n1' }), cNode({ name: 'n2' })],
        pods: [pod({ name: 'a', nodeName: 'n1' }), ds('n2')],
        policy: policy({ method: 'delete-empty', aggressiveness: 'aggressive' }),
      }),
      NOW,
    );
    expect(plan.nodes[0]?.reasons).toEqual(['not-empty']);
    expect(plan.removedNodes).toEqual(['n2']);
    expect(plan.podsDisrupted).toBe(0);
  });

  it('removes the longest prefix that re-fits in one multi-node action (binary search)', () => {
    // n1..n3 at 20 % (balanced candidates), n4 at 70 %: n1+n2 fit on n3 and n4, all three do not
    const plan = planConsolidation(
      input({
        nodes: ['n1', 'n2', 'n3', 'n4'].map((name) => cNode({ name })),
        pods: [
          pod({ name: 'a', nodeName: 'n1', cpuRequestMilli: 400 }),
          pod({ name: 'b', nodeName: 'n2', cpuRequestMilli: 400 }),
          pod({ name: 'c', nodeName: 'n3', cpuRequestMilli: 400 }),
          pod({ name: 'd', nodeName: 'n4', cpuRequestMilli: 1400 }),
        ],
      }),
      NOW,
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ phase: 'multi-node', kind: 'delete', nodes: ['n1', 'n2'] });
    expect(plan.moves.map((m) => m.toNode)).toEqual(['n3', 'n3']);
    expect(plan.hourlySavingUsd).toBeCloseTo(0.192, 12);
    expect(plan.podsDisrupted).toBe(2);
  });

  it('balanced skips a node whose move costs more than the node over the payback horizon', () => {
    // t3.small at 0.0208 USD/h x 168 h = 3.49 USD < 20 pods x 0.25 USD
    const pods = Array.from({ length: 20 }, (_, i) =>
      pod({ name: `p${i}`, nodeName: 'tiny', cpuRequestMilli: 10, memoryRequestMiB: 10 }),
    );
    const plan = planConsolidation(
      input({ nodes: [cNode({ name: 'tiny', hourlyPriceUsd: 0.0208 }), cNode({ name: 'big' })], pods }),
      NOW,
    );
    expect(plan.nodes[0]?.reasons).toEqual(['move-costs-more']);
    expect(plan.removedNodes).toEqual(['big']);
    const aggressive = planConsolidation(
      input({
        nodes: [cNode({ name: 'tiny', hourlyPriceUsd: 0.0208 }), cNode({ name: 'big' })],
        pods,
        policy: policy({ aggressiveness: 'aggressive' }),
      }),
      NOW,
    );
    expect(aggressive.nodes[0]?.status).toBe('candidate');
  });
});

describe('consolidation: replacements (aggressive)', () => {
  const option = (
    instanceType: string,
    price: number,
    cpu: number,
    mem: number,
    capacityType = 'on-demand' as const,
  ) =>
    ({
      instanceType,
      capacityType,
      hourlyPriceUsd: price,
      allocatableCpuMilli: cpu,
      allocatableMemoryMiB: mem,
    }) satisfies ReplacementOption;
  const options = [
    option('m5.large', 0.096, 2000, 8192),
    option('c5.xlarge', 0.17, 4000, 8192),
    option('m6a.xlarge', 0.1728, 4000, 16384),
    option('m5.2xlarge', 0.384, 8000, 32768),
  ];
  const nodes = [
    cNode({
      name: 'big',
      instanceType: 'm5.xlarge',
      hourlyPriceUsd: 0.192,
      allocatableCpuMilli: 4000,
      allocatableMemoryMiB: 16384,
    }),
  ];
  const pods = [
    ds('big'),
    pod({ name: 'a', nodeName: 'big', cpuRequestMilli: 1200, memoryRequestMiB: 2048 }),
    pod({ name: 'b', nodeName: 'big', cpuRequestMilli: 1200, memoryRequestMiB: 2048 }),
  ];

  it('replaces a node by the cheapest strictly cheaper type that holds its pods and daemonsets', () => {
    const plan = planConsolidation(
      input({ nodes, pods, policy: policy({ aggressiveness: 'aggressive' }), replacementOptions: options }),
      NOW,
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      phase: 'single-node',
      kind: 'replace',
      nodes: ['big'],
      replacement: { name: 'replacement-1', instanceType: 'c5.xlarge', hourlyPriceUsd: 0.17 },
    });
    expect(plan.moves.every((m) => m.toReplacement && m.toNode === 'replacement-1')).toBe(true);
    // 0.192 - 0.17 = 0.022 USD/h, x 730 = 16.06 USD/month
    expect(plan.hourlySavingUsd).toBeCloseTo(0.022, 12);
    expect(plan.monthlySavingUsd).toBeCloseTo(16.06, 9);
    expect(plan.podsDisrupted).toBe(2);
  });

  it('balanced never replaces', () => {
    const plan = planConsolidation(input({ nodes, pods, replacementOptions: options }), NOW);
    expect(plan.actions).toEqual([]);
  });

  it('replaces spot with spot only when at least 15 cheaper types fit', () => {
    const spotNode = [{ ...nodes[0], capacityType: 'spot' as const, hourlyPriceUsd: 0.08 }].map((n) =>
      cNode(n as Parameters<typeof cNode>[0]),
    );
    const few = Array.from({ length: 14 }, (_, i) =>
      option(`s${i}.xlarge`, 0.05 + i * 0.001, 4000, 8192, 'spot' as never),
    );
    const fewPlan = planConsolidation(
      input({
        nodes: spotNode,
        pods,
        policy: policy({ aggressiveness: 'aggressive' }),
        replacementOptions: few,
      }),
      NOW,
    );
    expect(fewPlan.actions).toEqual([]);
    const enough = [...few, option('s14.xlarge', 0.07, 4000, 8192, 'spot' as never)];
    const plan = planConsolidation(
      input({
        nodes: spotNode,
        pods,
        policy: policy({ aggressiveness: 'aggressive' }),
        replacementOptions: enough,
      }),
      NOW,
    );
    expect(plan.replacements[0]).toMatchObject({ instanceType: 's0.xlarge', capacityType: 'spot' });
  });
});

describe('consolidation: injectable fit', () => {
  const nodes = [cNode({ name: 'n1' }), cNode({ name: 'n2' })];
  const pods = [pod({ name: 'a', nodeName: 'n1' }), pod({ name: 'b', nodeName: 'n2' })];

  it('uses the injected fit', () => {
    const refuse: FitFunction = (ps) => ({ placements: [], unplaced: ps.map((p) => p.key) });
    expect(planConsolidation(input({ nodes, pods }), NOW, { fit: refuse }).actions).toEqual([]);
  });

  it('rejects a fit that overcommits a node', () => {
    const greedy: FitFunction = (ps, bins) => ({
      placements: ps.map((p) => ({ podKey: p.key, binName: bins[0]?.name ?? '' })),
      unplaced: [],
    });
    const heavy = [
      pod({ name: 'a', nodeName: 'n1', cpuRequestMilli: 700 }),
      pod({ name: 'b', nodeName: 'n2', cpuRequestMilli: 700 }),
    ];
    const tight = [
      cNode({ name: 'n1', allocatableCpuMilli: 1000 }),
      cNode({ name: 'n2', allocatableCpuMilli: 1000 }),
    ];
    expect(() =>
      planConsolidation(
        input({ nodes: tight, pods: heavy, policy: policy({ aggressiveness: 'aggressive' }) }),
        NOW,
        {
          fit: greedy,
        },
      ),
    ).toThrow(SavingsError);
  });
});
