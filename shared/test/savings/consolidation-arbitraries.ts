import fc from 'fast-check';
import type { Pod } from '../../src/savings/cluster';
import {
  aggressivenessLevels,
  type ConsolidationInput,
  type ConsolidationNode,
  consolidationMethods,
  type ReplacementOption,
} from '../../src/savings/consolidation';
import { cNode, NOW, pod } from './fixtures';

/** Random clusters for the consolidation planner's property tests (and the run plan's). */
export const shapes = [
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

export const arbCluster = fc
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
