import { describe, expect, it } from 'vitest';
import { defaultPolicy, policySchema } from '../../src/model/policy';
import { consolidationPlanOf, type PlanInventoryNode } from '../../src/policy/consolidation-plan';
import type { WorkloadScheduling } from '../../src/policy/pod-placement';
import { loadCatalog } from '../../src/pricing/catalog';

const NOW = new Date('2026-06-20T12:00:00Z');

const node = (name: string, fields: Partial<PlanInventoryNode> = {}): PlanInventoryNode => ({
  name,
  instanceId: `i-${name}`,
  nodeGroupId: 'asg-web',
  instanceType: 'm5.large',
  capacityType: 'on-demand',
  hourlyPriceUsd: 0.096,
  allocatableCpuMilli: 1930,
  allocatableMemoryMiB: 7000,
  allocatablePods: 29,
  requestedCpuMilli: 0,
  requestedMemoryMiB: 0,
  movablePods: [],
  doNotDisrupt: false,
  ...fields,
});

const input = (nodes: PlanInventoryNode[]) => ({
  clusterId: 'eks-1',
  snapshotAt: '2026-06-20T11:55:00Z',
  region: 'us-east-1',
  nodes,
  workloads: [],
  groups: [{ id: 'asg-web', name: 'web', kind: 'asg' as const, minSize: 1, autoScalingGroupName: 'web' }],
  instanceTypes: [],
  template: null,
  now: NOW,
});

describe('consolidationPlanOf (the dry run of a stored inventory)', () => {
  it('reports the pods to move per workload, with where they go', () => {
    const web = {
      namespace: 'shop',
      workload: 'shop#Deployment#web',
      count: 3,
      cpuMilli: 300,
      memoryMiB: 300,
    };
    const plan = consolidationPlanOf(
      input([node('a', { requestedCpuMilli: 300, requestedMemoryMiB: 300, movablePods: [web] }), node('b')]),
      defaultPolicy,
    );
    // One of the two goes (the group keeps its minimum of one): the light one empties onto the other.
    expect(plan.steps).toHaveLength(1);
    const [step] = plan.steps;
    expect(step?.pods).toEqual(
      step?.node === 'a'
        ? [{ namespace: 'shop', workload: 'shop#Deployment#web', count: 3, toNodes: ['b'] }]
        : [],
    );
    expect(plan.policy.maxNodesInFlight).toBe(1);
    expect(plan.notes.some((n) => n.includes('PodDisruptionBudgets'))).toBe(true);
    // Nothing was launched or acted on lately: no node waits for the stabilization window.
    expect(plan.notes.some((n) => n.includes('stabilization window'))).toBe(false);
  });

  it('does not plan a node launched or acted on within the stabilization window (ADR 0044)', () => {
    const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
    const nodes = [
      node('new', { launchedAt: minutesAgo(5) }),
      node('acted', { launchedAt: minutesAgo(600) }),
      node('old', { launchedAt: minutesAgo(600) }),
      node('busy', {
        launchedAt: minutesAgo(600),
        requestedCpuMilli: 1500,
        requestedMemoryMiB: 1500,
        movablePods: [{ namespace: 'shop', count: 3, cpuMilli: 1500, memoryMiB: 1500 }],
      }),
    ];
    const plan = consolidationPlanOf(
      { ...input(nodes), lastActedOn: { acted: minutesAgo(3) } },
      defaultPolicy,
    );
    expect(plan.steps.map((s) => s.node)).toEqual(['old']);
    const held = plan.held.filter((h) => h.status === 'stabilizing');
    expect(held.map((h) => h.node).sort()).toEqual(['acted', 'new']);
    expect(held.find((h) => h.node === 'new')?.actionableAt).toBe(
      new Date(NOW.getTime() + 5 * 60_000).toISOString(),
    );
    expect(
      plan.notes.some((n) =>
        n.includes('2 node(s) were launched or acted on within the stabilization window (10 min)'),
      ),
    ).toBe(true);
    // A window of 0: the same nodes are all candidates.
    const now = consolidationPlanOf(
      { ...input(nodes), lastActedOn: { acted: minutesAgo(3) } },
      policySchema.parse({ infrastructure: { binPacking: { stabilizationWindowMinutes: 0 } } }),
    );
    expect(now.steps.map((s) => s.node).sort()).toEqual(['acted', 'new', 'old']);
  });

  it('plans at most 90 nodes per run, the rest skipped as run-cap', () => {
    const nodes = Array.from({ length: 100 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));
    const plan = consolidationPlanOf(input(nodes), defaultPolicy);
    expect(plan.steps).toHaveLength(90);
    const capped = plan.skipped.filter((s) => s.reason === 'run-cap');
    // 100 empty nodes, minimum 1: 99 could go, 90 are planned, 9 wait for the next run.
    expect(capped).toHaveLength(9);
    expect(plan.monthlySavingUsd).toBeCloseTo(90 * 0.096 * 730, 6);
  });

  it('leaves out nodes without the per-node pod summary, and says how many', () => {
    const plan = consolidationPlanOf(
      input([node('a', { movablePods: null }), node('b'), node('c')]),
      defaultPolicy,
    );
    expect(plan.steps.map((s) => s.node)).not.toContain('a');
    expect(plan.notes[0]).toMatch(/^1 node\(s\) come from an inventory that predates/);
  });

  it('follows the policy: exempt namespaces keep their nodes, maxNodesInFlight sets the waves', () => {
    const batch = {
      namespace: 'batch',
      workload: 'batch#Job#nightly',
      count: 1,
      cpuMilli: 100,
      memoryMiB: 100,
    };
    const nodes = [
      node('a', { requestedCpuMilli: 100, requestedMemoryMiB: 100, movablePods: [batch] }),
      node('b'),
      node('c'),
      node('d'),
    ];
    const policy = policySchema.parse({
      infrastructure: { binPacking: { maxNodesInFlight: 3 } },
      governance: { excludedNamespaces: ['batch'] },
    });
    const plan = consolidationPlanOf(input(nodes), policy);
    expect(plan.steps.map((s) => s.node)).not.toContain('a');
    expect(plan.held).toEqual([expect.objectContaining({ node: 'a', status: 'unmanaged' })]);
    expect(plan.steps).toHaveLength(3);
    expect(plan.waves).toBe(1);
  });
});

describe('consolidationPlanOf with the PodDisruptionBudgets of the stored inventory (issue 14, item 8)', () => {
  const web = { namespace: 'shop', workload: 'shop#Deployment#web', count: 2, cpuMilli: 200, memoryMiB: 200 };
  const workload = (disruptionsAllowed: number | null) => ({
    key: 'shop#Deployment#web',
    namespace: 'shop',
    replicas: 4,
    requestCpuMilli: 400,
    requestMemoryMiB: 400,
    monthlyCostUsd: 10,
    spotReady: false,
    hpaScaledResources: [],
    usage: null,
    pdb: disruptionsAllowed === null ? null : { name: 'web', disruptionsAllowed },
  });
  const nodes = [
    node('a', { requestedCpuMilli: 200, requestedMemoryMiB: 200, movablePods: [web] }),
    node('b', { requestedCpuMilli: 200, requestedMemoryMiB: 200, movablePods: [web] }),
    node('c'),
  ];
  const planWith = (disruptionsAllowed: number | null, maxNodesInFlight = 3) =>
    consolidationPlanOf(
      { ...input(nodes), workloads: [workload(disruptionsAllowed)] },
      policySchema.parse({ infrastructure: { binPacking: { maxNodesInFlight } } }),
    );

  it('holds a node whose pods a budget allows no disruption for', () => {
    // Without a budget the nodes with web's pods are drained; with a budget at 0 they stay.
    expect(planWith(null).steps.some((s) => s.pods.length > 0)).toBe(true);
    const blocked = planWith(0);
    expect(blocked.steps.filter((s) => s.pods.length > 0)).toEqual([]);
    expect(blocked.held.some((h) => h.reasons.includes('pod-pdb-blocked'))).toBe(true);
  });

  it('never evicts more of a budget in one wave than it allows', () => {
    const plan = planWith(2);
    const perWave = new Map<number, number>();
    for (const s of plan.steps)
      for (const p of s.pods) perWave.set(s.wave, (perWave.get(s.wave) ?? 0) + p.count);
    expect([...perWave.values()].every((n) => n <= 2)).toBe(true);
    // Both of web's nodes cannot be drained in one wave (2 pods each, budget 2).
    const drained = plan.steps.filter((s) => s.pods.length > 0);
    expect(new Set(drained.map((s) => s.wave)).size).toBe(drained.length);
  });
});

describe('consolidationPlanOf moves pods only within their node group (issue 14, item 8)', () => {
  const web = { namespace: 'shop', workload: 'shop#Deployment#web', count: 2, cpuMilli: 400, memoryMiB: 400 };
  const groups = [
    { id: 'asg-web', name: 'web', kind: 'asg' as const, minSize: 0, autoScalingGroupName: 'web' },
    { id: 'asg-gpu', name: 'gpu', kind: 'asg' as const, minSize: 0, autoScalingGroupName: 'gpu' },
  ];
  const busy = (namespace: string) => ({
    requestedCpuMilli: 1400,
    requestedMemoryMiB: 1400,
    movablePods: [
      { namespace, workload: `${namespace}#Deployment#big`, count: 1, cpuMilli: 1400, memoryMiB: 1400 },
    ],
  });
  it("never plans a node whose pods would only fit on another group's nodes", () => {
    // 'a' (web) holds pods; the only room is on 'g' (gpu group): the scheduler may refuse that move.
    const nodes = [
      node('a', { requestedCpuMilli: 400, requestedMemoryMiB: 400, movablePods: [web] }),
      // Busy (above the utilization threshold, not a candidate), with room for a's pods.
      node('g', { nodeGroupId: 'asg-gpu', ...busy('gpu') }),
    ];
    const plan = consolidationPlanOf({ ...input(nodes), groups }, defaultPolicy);
    expect(plan.steps.filter((s) => s.pods.length > 0)).toEqual([]);
    // With a second web node, 'a' empties onto it.
    const withRoom = consolidationPlanOf(
      {
        ...input([...nodes, node('b', { launchedAt: NOW.toISOString(), ...busy('ops') })]),
        groups,
      },
      policySchema.parse({ infrastructure: { binPacking: { stabilizationWindowMinutes: 0 } } }),
    );
    const moved = withRoom.steps.flatMap((s) => s.pods.flatMap((p) => p.toNodes));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((to) => to === 'b')).toBe(true);
  });
});

describe('consolidationPlanOf moves pods across node groups only where the scheduler admits them (ADR 0057)', () => {
  const groups = [
    { id: 'asg-web', name: 'web', kind: 'asg' as const, minSize: 0, autoScalingGroupName: 'web' },
    { id: 'asg-legacy', name: 'legacy', kind: 'asg' as const, minSize: 0, autoScalingGroupName: 'legacy' },
  ];
  const web = { namespace: 'shop', workload: 'shop#Deployment#web', count: 2, cpuMilli: 400, memoryMiB: 400 };
  const free = { nodeSelector: {}, requiredNodeAffinity: [], tolerations: [], groupBound: false };
  const workload = (scheduling: WorkloadScheduling | null) => ({
    key: 'shop#Deployment#web',
    namespace: 'shop',
    replicas: 2,
    requestCpuMilli: 400,
    requestMemoryMiB: 400,
    monthlyCostUsd: 10,
    spotReady: true,
    hpaScaledResources: [],
    usage: null,
    scheduling,
  });
  // 'a' (web) is light; the only room is on 'l' of the legacy group, busy (not a candidate itself).
  const nodes = (legacy: Partial<PlanInventoryNode> = {}) => [
    node('a', {
      requestedCpuMilli: 400,
      requestedMemoryMiB: 400,
      movablePods: [web],
      labels: { 'node-pool': 'web' },
      taints: [],
    }),
    node('l', {
      nodeGroupId: 'asg-legacy',
      requestedCpuMilli: 1400,
      requestedMemoryMiB: 1400,
      movablePods: [
        { namespace: 'ops', workload: 'ops#Deployment#big', count: 1, cpuMilli: 1400, memoryMiB: 1400 },
      ],
      labels: { 'node-pool': 'legacy' },
      taints: [],
      ...legacy,
    }),
  ];
  const plan = (scheduling: WorkloadScheduling | null, legacy: Partial<PlanInventoryNode> = {}) =>
    consolidationPlanOf(
      { ...input(nodes(legacy)), groups, workloads: [workload(scheduling)] },
      defaultPolicy,
    );
  const movedTo = (p: ReturnType<typeof plan>) => p.steps.flatMap((s) => s.pods.flatMap((x) => x.toNodes));

  it('moves pods with no constraint against the node to a node of another group', () => {
    const p = plan(free);
    expect(p.steps.map((s) => s.node)).toEqual(['a']);
    expect(movedTo(p)).toEqual(['l']);
  });

  it('keeps them when the node is tainted and not tolerated, or does not match the selector or affinity', () => {
    expect(
      movedTo(plan(free, { taints: [{ key: 'workload', value: 'batch', effect: 'NoSchedule' }] })),
    ).toEqual([]);
    expect(movedTo(plan({ ...free, nodeSelector: { 'node-pool': 'web' } }))).toEqual([]);
    expect(
      movedTo(
        plan({
          ...free,
          requiredNodeAffinity: [
            { matchExpressions: [{ key: 'node-pool', operator: 'NotIn', values: ['legacy'] }] },
          ],
        }),
      ),
    ).toEqual([]);
    // A toleration of the taint lets them go.
    expect(
      movedTo(
        plan(
          {
            ...free,
            tolerations: [{ key: 'workload', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
          },
          { taints: [{ key: 'workload', value: 'batch', effect: 'NoSchedule' }] },
        ),
      ),
    ).toEqual(['l']);
  });

  it("uses the room of a group at its minimum instead of planning that group's nodes away", () => {
    // 'l' alone is its group's minimum: cheaper to disrupt than 'a', the planner would take it first and
    // the run would have to skip it; now 'a' empties onto it.
    const atMinimum = groups.map((g) => (g.id === 'asg-legacy' ? { ...g, minSize: 1 } : g));
    const light = {
      requestedCpuMilli: 300,
      requestedMemoryMiB: 300,
      movablePods: [
        { namespace: 'ops', workload: 'ops#Deployment#small', count: 1, cpuMilli: 300, memoryMiB: 300 },
      ],
    };
    const p = consolidationPlanOf(
      { ...input(nodes(light)), groups: atMinimum, workloads: [workload(free)] },
      defaultPolicy,
    );
    expect(p.steps.map((s) => s.node)).toEqual(['a']);
    expect(movedTo(p)).toEqual(['l']);
    expect(p.skipped).toEqual([expect.objectContaining({ node: 'l', reason: 'group-minimum' })]);
  });

  it('says what a group at its minimum holds: the extra saving with a lower minimum, and which minimum (ADR 0066)', () => {
    // Three light web nodes, minimum 3: nothing may go. With a minimum of 1, two go (their pods fit on one).
    const light = (name: string) =>
      node(name, {
        requestedCpuMilli: 300,
        requestedMemoryMiB: 300,
        movablePods: [{ ...web, count: 1, cpuMilli: 300, memoryMiB: 300 }],
      });
    const atMinimum = [
      { id: 'asg-web', name: 'web', kind: 'asg' as const, minSize: 3, autoScalingGroupName: 'web' },
    ];
    const p = consolidationPlanOf(
      { ...input([light('w1'), light('w2'), light('w3')]), groups: atMinimum },
      defaultPolicy,
    );
    expect(p.steps).toEqual([]);
    expect(p.heldByMinimums).toEqual([
      {
        nodeGroupId: 'asg-web',
        name: 'web',
        minSize: 3,
        nodes: 3,
        minimumToAllow: 1,
        monthlySavingUsd: Math.round(2 * 0.096 * 730 * 100) / 100,
      },
    ]);
    expect(p.notes.join(' ')).toContain('with a minimum of 1, this plan would save $140.16/month more');
    // Above its minimum, nothing is held.
    const free = consolidationPlanOf(
      {
        ...input([light('w1'), light('w2'), light('w3')]),
        groups: atMinimum.map((g) => ({ ...g, minSize: 1 })),
      },
      defaultPolicy,
    );
    expect(free.steps).toHaveLength(2);
    expect(free.heldByMinimums).toEqual([]);
  });

  it('keeps them when anything is unknown or not modelled, and does not move on-demand pods to spot', () => {
    expect(movedTo(plan(null))).toEqual([]);
    expect(
      plan(null).notes.some((n) => n.startsWith('1 workload(s) come from an inventory that predates')),
    ).toBe(true);
    expect(plan(free).notes.some((n) => n.includes('predates their scheduling'))).toBe(false);
    expect(movedTo(plan({ ...free, groupBound: true }))).toEqual([]);
    const { taints: _t, ...unknownTaints } = nodes()[1] as PlanInventoryNode;
    expect(
      movedTo(
        consolidationPlanOf(
          { ...input([nodes()[0] as PlanInventoryNode, unknownTaints]), groups, workloads: [workload(free)] },
          defaultPolicy,
        ),
      ),
    ).toEqual([]);
    expect(movedTo(plan(free, { capacityType: 'spot' }))).toEqual([]);
  });
});

describe('consolidationPlanOf with replacements launched by another pool (ADR 0066)', () => {
  const pool = [
    {
      id: 'np-web',
      name: 'web',
      kind: 'karpenter-nodepool' as const,
      minSize: 0,
      autoScalingGroupName: null,
    },
  ];
  const free = { nodeSelector: {}, requiredNodeAffinity: [], tolerations: [], groupBound: false };
  const workload = (scheduling: WorkloadScheduling) => ({
    key: 'shop#Deployment#web',
    namespace: 'shop',
    replicas: 2,
    requestCpuMilli: 500,
    requestMemoryMiB: 1000,
    monthlyCostUsd: 10,
    spotReady: true,
    hpaScaledResources: [],
    usage: null,
    scheduling,
  });
  // One m5.2xlarge of a NodePool running 2 small pods: aggressive replaces it with a smaller type.
  const big = node('big', {
    nodeGroupId: 'np-web',
    instanceType: 'm5.2xlarge',
    hourlyPriceUsd: 0.384,
    allocatableCpuMilli: 7910,
    allocatableMemoryMiB: 29000,
    allocatablePods: 58,
    requestedCpuMilli: 1000,
    requestedMemoryMiB: 2000,
    movablePods: [
      { namespace: 'shop', workload: 'shop#Deployment#web', count: 2, cpuMilli: 1000, memoryMiB: 2000 },
    ],
    labels: { 'node-pool': 'web' },
    taints: [],
  });
  const aggressive = policySchema.parse({ infrastructure: { binPacking: { aggressiveness: 'aggressive' } } });
  const plan = (scheduling: WorkloadScheduling, replacementLabels?: Record<string, string>) =>
    consolidationPlanOf(
      {
        ...input([big]),
        groups: pool,
        workloads: [workload(scheduling)],
        instanceTypes: loadCatalog().instanceTypes,
        ...(replacementLabels ? { replacementLabels } : {}),
      },
      aggressive,
    );

  it("replaces by its own pool's node by default, whatever the pods' selectors", () => {
    const p = plan({ ...free, nodeSelector: { 'node-pool': 'web' } });
    expect(p.steps).toEqual([expect.objectContaining({ node: 'big', kind: 'replace' })]);
  });

  it("with the launching pool's labels, moves only pods the scheduler admits on its nodes", () => {
    expect(plan({ ...free, nodeSelector: { 'node-pool': 'web' } }, {}).steps).toEqual([]);
    expect(plan({ ...free, groupBound: true }, {}).steps).toEqual([]);
    expect(plan(free, {}).steps).toEqual([expect.objectContaining({ node: 'big', kind: 'replace' })]);
    expect(plan({ ...free, nodeSelector: { 'node-pool': 'web' } }, { 'node-pool': 'web' }).steps).toEqual([
      expect.objectContaining({ node: 'big', kind: 'replace' }),
    ]);
  });
});
