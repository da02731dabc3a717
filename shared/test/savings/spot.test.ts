import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spotReadiness, spotSavings } from '../../src/savings/spot';
import { node, pod } from './fixtures';

const exemptions = { namespaces: ['kube-system'], labels: [{ key: 'tier', value: 'database' }] };
const pods = [
  pod({ name: 'a', nodeName: 'od-1', cpuRequestMilli: 500, memoryRequestMiB: 1024 }),
  pod({
    name: 'b',
    nodeName: 'od-1',
    cpuRequestMilli: 250,
    owner: { kind: 'Deployment', name: 'b', replicas: 1 },
  }),
  pod({
    name: 'c',
    nodeName: 'od-1',
    cpuRequestMilli: 1000,
    owner: { kind: 'StatefulSet', name: 'c', replicas: 3 },
    persistentVolumeClaimCount: 1,
  }),
  pod({
    name: 'd',
    nodeName: 'od-1',
    cpuRequestMilli: 250,
    owner: { kind: 'Job', name: 'd' },
    annotations: { 'karpenter.sh/do-not-disrupt': 'true' },
  }),
  pod({ name: 'e', nodeName: 'od-1', cpuRequestMilli: 500, pdbName: 'e-pdb' }),
  pod({ name: 'f', nodeName: 'od-1', namespace: 'kube-system', cpuRequestMilli: 100 }),
  pod({ name: 'g', nodeName: 'od-1', owner: { kind: 'DaemonSet', name: 'node-exporter' } }),
  pod({ name: 'h', nodeName: 'spot-1', cpuRequestMilli: 1500, owner: { kind: 'CronJob', name: 'h' } }),
  pod({ name: 'i', nodeName: 'od-1', cpuRequestMilli: 300, labels: { tier: 'database' } }),
  pod({
    name: 'j',
    nodeName: 'od-1',
    cpuRequestMilli: 0,
    annotations: { 'karpenter.sh/do-not-disrupt': 'false' },
    owner: { kind: 'ReplicaSet', name: 'j', replicas: 2 },
  }),
];
const pdbs = [{ namespace: 'default', name: 'e-pdb', disruptionsAllowed: 0 }];

describe('spot readiness', () => {
  const report = spotReadiness({ pods, pdbs, exemptions });
  const byName = new Map(report.pods.map((p) => [p.pod.split('/')[1], p]));

  it('gives the first and all failing rules of each pod', () => {
    expect(byName.get('a')).toMatchObject({
      ready: true,
      eligible: true,
      firstFailingRule: null,
      failingRules: [],
    });
    expect(byName.get('b')?.firstFailingRule).toBe('not-replicated-controller');
    expect(byName.get('c')?.failingRules).toEqual(['not-replicated-controller', 'persistent-volume-claim']);
    expect(byName.get('d')?.failingRules).toEqual(['do-not-disrupt']);
    expect(byName.get('e')?.failingRules).toEqual(['pdb-blocks-disruption']);
    expect(byName.get('f')).toMatchObject({ eligible: false, firstFailingRule: 'exempt' });
    expect(byName.get('g')).toMatchObject({
      eligible: false,
      failingRules: ['daemonset', 'not-replicated-controller'],
    });
    expect(byName.get('h')?.ready).toBe(true);
    expect(byName.get('i')).toMatchObject({ eligible: false, firstFailingRule: 'exempt' });
    // only the value "true" opts out, as in Karpenter
    expect(byName.get('j')?.ready).toBe(true);
  });

  it('scores ready / eligible by count and by requested CPU', () => {
    // eligible: a b c d e h j (7); ready: a h j (3)
    expect(report.eligibleCount).toBe(7);
    expect(report.readyCount).toBe(3);
    expect(report.scoreByCount).toBeCloseTo(3 / 7, 12);
    // eligible CPU 500+250+1000+250+500+1500+0 = 4000; ready 500+1500+0 = 2000
    expect(report.eligibleCpuMilli).toBe(4000);
    expect(report.scoreByCpu).toBeCloseTo(0.5, 12);
    expect(report.firstFailingRuleCounts).toMatchObject({
      exempt: 2,
      daemonset: 1,
      'not-replicated-controller': 2,
      'do-not-disrupt': 1,
      'pdb-blocks-disruption': 1,
    });
  });

  it('has no score when nothing is eligible', () => {
    const r = spotReadiness({ pods: [pods[5] ?? pod({ name: 'x', nodeName: 'n' })], pdbs: [], exemptions });
    expect(r.scoreByCount).toBeNull();
    expect(r.scoreByCpu).toBeNull();
  });

  it('keeps both scores in [0, 1] and ready <= eligible', () => {
    const arbPod = fc.record({
      replicas: fc.nat(4),
      kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Other' as const),
      pvc: fc.nat(1),
      ns: fc.constantFrom('default', 'kube-system'),
      cpu: fc.nat(4000),
      dnd: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbPod, { maxLength: 30 }), (specs) => {
        const ps = specs.map((s, i) =>
          pod({
            name: `p${i}`,
            nodeName: 'n',
            namespace: s.ns,
            cpuRequestMilli: s.cpu,
            owner: { kind: s.kind, name: 'o', replicas: s.replicas },
            persistentVolumeClaimCount: s.pvc,
            annotations: s.dnd ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
          }),
        );
        const r = spotReadiness({ pods: ps, pdbs: [], exemptions });
        expect(r.readyCount).toBeLessThanOrEqual(r.eligibleCount);
        for (const s of [r.scoreByCount, r.scoreByCpu]) {
          if (s !== null) {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });
});

describe('spot savings', () => {
  it('prices the cost share of ready pods on on-demand nodes at the spot discount', () => {
    const readiness = spotReadiness({ pods, pdbs, exemptions });
    const savings = spotSavings({
      readiness,
      pods,
      nodes: [node({ name: 'od-1' }), node({ name: 'spot-1', capacityType: 'spot', hourlyPriceUsd: 0.0384 })],
      pricing: [
        { nodeName: 'od-1', onDemandHourlyPriceUsd: 0.096, spotHourlyPriceUsd: 0.0384 },
        { nodeName: 'spot-1', onDemandHourlyPriceUsd: 0.096, spotHourlyPriceUsd: 0.0384 },
      ],
    });
    // pod a: 0.5 core x 0.0342857 + 1 GiB x 0.00342857 = 0.0205714 USD/h; x (1 - 0.4) = 0.0123429 USD/h
    // pod j: 0 m and 128 MiB: 0.125 GiB x 0.00342857 x 0.6 = 0.000257143 USD/h
    expect(savings.pods.map((p) => p.pod)).toEqual(['default/a', 'default/j']);
    expect(savings.pods[0]?.onDemandHourlyCostUsd).toBeCloseTo(0.0205714, 7);
    expect(savings.pods[0]?.spotDiscount).toBeCloseTo(0.6, 12);
    expect(savings.hourlySavingUsd).toBeCloseTo(0.0123429 + 0.000257143, 7);
    expect(savings.monthlySavingUsd).toBeCloseTo((0.0123429 + 0.000257143) * 730, 4);
    expect(savings.alreadyOnSpotCount).toBe(1);
  });

  it('adds nothing for types without a spot price or a spot price above on-demand', () => {
    const ready = [pod({ name: 'a', nodeName: 'n1' }), pod({ name: 'b', nodeName: 'n2' })];
    const savings = spotSavings({
      readiness: spotReadiness({ pods: ready, pdbs: [], exemptions }),
      pods: ready,
      nodes: [node({ name: 'n1' }), node({ name: 'n2' })],
      pricing: [
        { nodeName: 'n1', onDemandHourlyPriceUsd: 0.096, spotHourlyPriceUsd: null },
        { nodeName: 'n2', onDemandHourlyPriceUsd: 0.096, spotHourlyPriceUsd: 0.2 },
      ],
    });
    expect(savings.noSpotPriceCount).toBe(1);
    expect(savings.hourlySavingUsd).toBe(0);
  });
});
