import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasDoNotDisrupt,
  indexPdbs,
  isNodeBound,
  isPodExempt,
  type Pod,
  pdbAllowsDisruption,
  podKey,
} from '../../src/savings/cluster';
import {
  aggressivenessLevels,
  type ConsolidationInput,
  type ConsolidationNode,
  type ConsolidationPlan,
  consolidationMethods,
  planConsolidation,
  type ReplacementOption,
} from '../../src/savings/consolidation';
import { cNode, NOW, pod } from './fixtures';

const shapes = [
  { instanceType: 'm5.large', cpu: 2000, mem: 8192, price: 0.096 },
  { instanceType: 'c5.xlarge', cpu: 4000, mem: 8192, price: 0.17 },
  { instanceType: 'm5.xlarge', cpu: 4000, mem: 16384, price: 0.192 },
  { instanceType: 't3.medium', cpu: 2000, mem: 4096, price: 0.0416 },
];

/** true about one time in six: protections present but not everywhere, so plans have something to do. */
const rare = fc.integer({ min: 0, max: 5 }).map((x) => x === 0);

const arbNode = fc.record({
  shape: fc.constantFrom(...shapes),
  spot: fc.boolean(),
  maxPods: fc.option(fc.integer({ min: 2, max: 12 }), { nil: undefined }),
  exemptLabel: rare,
  dndNode: rare,
  eligibleMinutesAgo: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null, freq: 8 }),
});

const arbPod = fc.record({
  node: fc.nat(7),
  cpu: fc.integer({ min: 0, max: 900 }),
  mem: fc.integer({ min: 0, max: 3000 }),
  kind: fc.constantFrom('Deployment', 'Deployment', 'Job', 'StatefulSet', 'DaemonSet' as const),
  namespace: fc.constantFrom('default', 'default', 'default', 'kube-system', 'team-a'),
  dnd: rare,
  dbLabel: rare,
  pdb: fc.constantFrom(undefined, undefined, undefined, undefined, 'pdb-a', 'pdb-b'),
});

const arbCluster = fc
  .record({
    nodes: fc.array(arbNode, { minLength: 1, maxLength: 6 }),
    pods: fc.array(arbPod, { minLength: 3, maxLength: 24 }),
    pdbA: fc.nat(2),
    pdbB: fc.nat(2),
    aggressiveness: fc.constantFrom(...aggressivenessLevels, 'aggressive' as const, 'aggressive' as const),
    method: fc.constantFrom(...consolidationMethods, 'replace-and-move' as const),
    window: fc.integer({ min: 0, max: 30 }),
    withExemptions: fc.boolean(),
    options: fc.subarray(shapes),
    optionsSpot: fc.boolean(),
  })
  .map((c): ConsolidationInput => {
    const nodes: ConsolidationNode[] = c.nodes.map((n, i) =>
      cNode({
        name: `n${i}`,
        instanceType: n.shape.instanceType,
        capacityType: n.spot ? 'spot' : 'on-demand',
        hourlyPriceUsd: n.spot ? n.shape.price * 0.4 : n.shape.price,
        allocatableCpuMilli: n.shape.cpu,
        allocatableMemoryMiB: n.shape.mem,
        maxPods: n.maxPods,
        labels: n.exemptLabel ? { team: 'ops' } : {},
        annotations: n.dndNode ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
        eligibleSince:
          n.eligibleMinutesAgo === null
            ? null
            : new Date(NOW.getTime() - n.eligibleMinutesAgo * 60_000).toISOString(),
      }),
    );
    // keep the starting state feasible: a pod only lands where it fits
    const used = nodes.map(() => ({ cpu: 0, mem: 0, pods: 0 }));
    const pods: Pod[] = [];
    c.pods.forEach((p, i) => {
      const index = p.node % nodes.length;
      const n = nodes[index];
      const u = used[index];
      if (n === undefined || u === undefined) return;
      if (u.cpu + p.cpu > n.allocatableCpuMilli || u.mem + p.mem > n.allocatableMemoryMiB) return;
      if (u.pods + 1 > (n.maxPods ?? Number.POSITIVE_INFINITY)) return;
      u.cpu += p.cpu;
      u.mem += p.mem;
      u.pods += 1;
      pods.push(
        pod({
          name: `p${i}`,
          nodeName: n.name,
          namespace: p.namespace,
          cpuRequestMilli: p.cpu,
          memoryRequestMiB: p.mem,
          owner: { kind: p.kind, name: `o${i}`, replicas: 2 },
          annotations: p.dnd ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
          labels: p.dbLabel ? { app: 'db' } : {},
          pdbName: p.pdb,
        }),
      );
    });
    const replacementOptions: ReplacementOption[] = c.options.map((s) => ({
      instanceType: s.instanceType,
      capacityType: c.optionsSpot ? 'spot' : 'on-demand',
      hourlyPriceUsd: c.optionsSpot ? s.price * 0.4 : s.price,
      allocatableCpuMilli: s.cpu,
      allocatableMemoryMiB: s.mem,
    }));
    return {
      nodes,
      pods,
      pdbs: [
        { namespace: 'default', name: 'pdb-a', disruptionsAllowed: c.pdbA },
        { namespace: 'default', name: 'pdb-b', disruptionsAllowed: c.pdbB },
      ],
      policy: {
        aggressiveness: c.aggressiveness,
        method: c.method,
        stabilizationWindowMinutes: c.window,
        exemptions: c.withExemptions
          ? { namespaces: ['kube-system'], labels: [{ key: 'app', value: 'db' }, { key: 'team' }] }
          : { namespaces: [], labels: [] },
        podDisruptionCostUsd: 0.25,
        movePaybackHours: 168,
      },
      replacementOptions,
    };
  });

function checkInvariants(input: ConsolidationInput, plan: ConsolidationPlan): void {
  const pdbs = indexPdbs(input.pdbs);
  const podsByKey = new Map(input.pods.map((p) => [podKey(p), p]));
  const removed = new Set(plan.removedNodes);
  const nodesByName = new Map(input.nodes.map((n) => [n.name, n]));

  // 1. protected pods never move, and their nodes stay
  for (const p of input.pods) {
    const isProtected =
      !isNodeBound(p) &&
      (isPodExempt(p, input.policy.exemptions) ||
        hasDoNotDisrupt(p.annotations) ||
        !pdbAllowsDisruption(p, pdbs));
    if (isProtected) {
      expect(removed.has(p.nodeName)).toBe(false);
      expect(plan.moves.some((m) => m.pod === podKey(p))).toBe(false);
    }
  }
  for (const name of removed) {
    const n = nodesByName.get(name);
    expect(n?.annotations['karpenter.sh/do-not-disrupt']).not.toBe('true');
    if (input.policy.exemptions.labels.some((l) => l.key === 'team')) expect(n?.labels.team).toBeUndefined();
  }

  // 2. every movable pod of a removed node moves exactly once, to a node that stays
  const moved = plan.moves.map((m) => m.pod);
  expect(new Set(moved).size).toBe(moved.length);
  for (const p of input.pods) {
    if (removed.has(p.nodeName) && !isNodeBound(p)) expect(moved).toContain(podKey(p));
  }
  for (const m of plan.moves) {
    expect(removed.has(m.toNode)).toBe(false);
    expect(removed.has(m.fromNode)).toBe(true);
  }
  if (input.policy.method === 'delete-empty') expect(plan.moves).toEqual([]);

  // 3. no node over capacity after the plan (CPU, memory, pod slots)
  const load = new Map<string, { cpu: number; mem: number; pods: number }>();
  const add = (node: string, p: Pod) => {
    const l = load.get(node) ?? { cpu: 0, mem: 0, pods: 0 };
    l.cpu += p.cpuRequestMilli;
    l.mem += p.memoryRequestMiB;
    l.pods += 1;
    load.set(node, l);
  };
  const movedTo = new Map(plan.moves.map((m) => [m.pod, m.toNode]));
  for (const p of input.pods) {
    const target = movedTo.get(podKey(p));
    if (target !== undefined) add(target, p);
    else if (!removed.has(p.nodeName)) add(p.nodeName, p);
  }
  for (const [name, l] of load) {
    const n = nodesByName.get(name);
    const action = plan.actions.find((a) => a.replacement?.name === name);
    const option = input.replacementOptions.find(
      (o) =>
        o.instanceType === action?.replacement?.instanceType &&
        o.capacityType === action?.replacement?.capacityType,
    );
    const cap = n
      ? {
          cpu: n.allocatableCpuMilli,
          mem: n.allocatableMemoryMiB,
          pods: n.maxPods ?? Number.POSITIVE_INFINITY,
        }
      : {
          cpu: option?.allocatableCpuMilli ?? 0,
          mem: option?.allocatableMemoryMiB ?? 0,
          pods: option?.maxPods ?? Number.POSITIVE_INFINITY,
        };
    expect(n !== undefined || option !== undefined).toBe(true);
    expect(l.cpu).toBeLessThanOrEqual(cap.cpu + 1e-6);
    expect(l.mem).toBeLessThanOrEqual(cap.mem + 1e-6);
    expect(l.pods).toBeLessThanOrEqual(cap.pods);
  }

  // 4. PDB budgets hold across the whole plan
  for (const pdb of input.pdbs) {
    const evictions = plan.moves.filter((m) => podsByKey.get(m.pod)?.pdbName === pdb.name).length;
    expect(evictions).toBeLessThanOrEqual(pdb.disruptionsAllowed);
  }

  // 5. savings are never negative; a replacement is strictly cheaper; never one node into many
  expect(plan.hourlySavingUsd).toBeGreaterThanOrEqual(0);
  // "Never one node into many": an action launches at most one node; its pods may also land on nodes
  // that earlier actions launched.
  const launched = new Set<string>();
  for (const a of plan.actions) {
    expect(a.hourlySavingUsd).toBeGreaterThanOrEqual(0);
    if (a.kind === 'replace') {
      expect(a.hourlySavingUsd).toBeGreaterThan(0);
      expect(input.policy.aggressiveness).toBe('aggressive');
    }
    const newTargets = new Set(
      a.moves.filter((m) => m.toReplacement && !launched.has(m.toNode)).map((m) => m.toNode),
    );
    expect(newTargets.size).toBeLessThanOrEqual(1);
    if (a.replacement) {
      for (const t of newTargets) expect(t).toBe(a.replacement.name);
      launched.add(a.replacement.name);
    }
  }
  expect(plan.podsDisrupted).toBe(plan.moves.length);
}

/** Big on-demand nodes with light load and cheaper shapes on offer: the replacement path. */
const arbReplaceable = fc
  .record({
    nodeCount: fc.integer({ min: 1, max: 3 }),
    pods: fc.array(
      fc.record({
        node: fc.nat(2),
        cpu: fc.integer({ min: 50, max: 2500 }),
        mem: fc.integer({ min: 64, max: 6000 }),
      }),
      {
        minLength: 1,
        maxLength: 12,
      },
    ),
    daemonset: fc.boolean(),
  })
  .map(({ nodeCount, pods, daemonset }): ConsolidationInput => {
    const nodes = Array.from({ length: nodeCount }, (_, i) =>
      cNode({
        name: `big${i}`,
        instanceType: 'm5.2xlarge',
        hourlyPriceUsd: 0.384,
        allocatableCpuMilli: 8000,
        allocatableMemoryMiB: 32768,
      }),
    );
    const ds = daemonset
      ? nodes.map((n) =>
          pod({
            name: `ds-${n.name}`,
            nodeName: n.name,
            cpuRequestMilli: 150,
            memoryRequestMiB: 300,
            owner: { kind: 'DaemonSet', name: 'ds' },
          }),
        )
      : [];
    // keep the starting state feasible: a pod only lands where it fits
    const left = nodes.map(() => ({
      cpu: daemonset ? 8000 - 150 : 8000,
      mem: daemonset ? 32768 - 300 : 32768,
    }));
    const placed = pods.flatMap((p, i) => {
      const index = p.node % nodeCount;
      const l = left[index];
      if (l === undefined || l.cpu < p.cpu || l.mem < p.mem) return [];
      l.cpu -= p.cpu;
      l.mem -= p.mem;
      return [
        pod({ name: `p${i}`, nodeName: `big${index}`, cpuRequestMilli: p.cpu, memoryRequestMiB: p.mem }),
      ];
    });
    return {
      nodes,
      pods: [...ds, ...placed],
      pdbs: [],
      policy: {
        aggressiveness: 'aggressive',
        method: 'replace-and-move',
        stabilizationWindowMinutes: 0,
        exemptions: { namespaces: [], labels: [] },
        podDisruptionCostUsd: 0.25,
        movePaybackHours: 168,
      },
      replacementOptions: shapes.map((s) => ({
        instanceType: s.instanceType,
        capacityType: 'on-demand' as const,
        hourlyPriceUsd: s.price,
        allocatableCpuMilli: s.cpu,
        allocatableMemoryMiB: s.mem,
        maxPods: 8,
      })),
    };
  });

describe('consolidation invariants', () => {
  it('never disrupts protected pods, never overcommits, never loses money', () => {
    fc.assert(
      fc.property(arbCluster, (input) => checkInvariants(input, planConsolidation(input, NOW))),
      { numRuns: 300 },
    );
  });

  it('keeps them when it replaces nodes with cheaper ones', () => {
    let replaced = 0;
    fc.assert(
      fc.property(arbReplaceable, (input) => {
        const plan = planConsolidation(input, NOW);
        checkInvariants(input, plan);
        if (plan.replacements.length > 0) replaced += 1;
      }),
      { numRuns: 150 },
    );
    expect(replaced).toBeGreaterThan(30);
  });
});
