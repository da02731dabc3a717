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
  type ConsolidationInput,
  type ConsolidationPlan,
  planConsolidation,
} from '../../src/savings/consolidation';
import { arbCluster, shapes } from './consolidation-arbitraries';
import { cNode, NOW, pod } from './fixtures';

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
