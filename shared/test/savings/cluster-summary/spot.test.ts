import { describe, expect, it } from 'vitest';
import { spotRuleText } from '../../../src/dashboard/summary-view';
import { noExemptions } from '../../../src/savings/cluster';
import { workloadDescriber } from '../../../src/savings/cluster-summary/common';
import {
  spotReadinessOf,
  spotSavingsOf,
  spotSectionOf,
  topSpotBlockers,
  workloadSpotStates,
} from '../../../src/savings/cluster-summary/spot';
import { savingsPods } from '../../../src/savings/snapshot-model';
import { live, requestCostUsd } from '../snapshot-fixtures';
import { smallModel } from './support';

const model = smallModel();
const pods = savingsPods(model);
const readiness = spotReadinessOf(model, pods, noExemptions);
const describeWorkload = workloadDescriber(model);

describe('spot readiness and savings', () => {
  it('finds the web replicas ready, the StatefulSet blocked and the DaemonSet not eligible', () => {
    expect(readiness).toMatchObject({ eligibleCount: 3, readyCount: 2, scoreByCount: 2 / 3 });
    expect(readiness.scoreByCpu).toBeCloseTo(1000 / 2000, 12);
    const exempt = spotReadinessOf(model, pods, { namespaces: ['db'], labels: [] });
    expect(exempt).toMatchObject({ eligibleCount: 2, readyCount: 2 });
  });

  it('saves the spot discount on the ready pod of the on-demand node; the one on spot already has it', () => {
    const s = spotSavingsOf(model, live, readiness, pods);
    const onDemandCost = requestCostUsd(500, 1000, { hourlyUsd: 0.1, cores: 2, gib: 8000 / 1024 });
    expect(s.hourlySavingUsd).toBeCloseTo(onDemandCost * (1 - 0.04 / 0.1), 12);
    expect(s.monthlySavingUsd).toBeCloseTo(s.hourlySavingUsd * 730, 9);
    expect(s).toMatchObject({ alreadyOnSpotCount: 1, noSpotPriceCount: 0 });
  });
});

describe('workload spot states', () => {
  const { figures, blockers } = workloadSpotStates(model, readiness);

  it('is ready when every eligible pod is, with the first failing rule otherwise', () => {
    expect(Object.fromEntries(figures)).toEqual({
      'db#StatefulSet#db': {
        unmanagedReason: null,
        spotEligible: true,
        spotReady: false,
        spotReason: 'not-replicated-controller',
        rightsizing: null,
      },
      'kube-system#DaemonSet#agent': {
        unmanagedReason: null,
        spotEligible: false,
        spotReady: false,
        spotReason: 'daemonset',
        rightsizing: null,
      },
      // The pending pod was not assessed: no reason to give.
      'shop#Deployment#api': {
        unmanagedReason: null,
        spotEligible: false,
        spotReady: false,
        spotReason: null,
        rightsizing: null,
      },
      'shop#Deployment#web': {
        unmanagedReason: null,
        spotEligible: true,
        spotReady: true,
        spotReason: null,
        rightsizing: null,
      },
    });
    expect(blockers).toEqual([
      { key: 'db#StatefulSet#db', rule: 'not-replicated-controller', cpuMilli: 1000 },
    ]);
  });

  it('lists at most 10 blockers, most CPU first, with the text of their rule', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      key: `ns#Deployment#w${i}`,
      rule: 'pdb-blocks-disruption' as const,
      cpuMilli: i * 100,
    }));
    const top = topSpotBlockers(many, describeWorkload);
    expect(top).toHaveLength(10);
    expect(top[0]).toEqual({
      key: 'ns#Deployment#w11',
      namespace: '',
      kind: '',
      name: '',
      replicas: 0,
      rule: 'pdb-blocks-disruption',
      reason: spotRuleText['pdb-blocks-disruption'],
      requestCpuMilli: 1100,
    });
  });

  it('composes the section: scores, savings, candidates by monthly saving', () => {
    const s = spotSavingsOf(model, live, readiness, pods);
    const section = spotSectionOf(model, readiness, s, blockers, describeWorkload);
    expect(section.topCandidates).toEqual([
      {
        key: 'shop#Deployment#web',
        namespace: 'shop',
        kind: 'Deployment',
        name: 'web',
        replicas: 2,
        monthlySavingUsd: expect.closeTo(s.hourlySavingUsd * 730, 9),
        reason: 'Replicated, no volume claims, disruption allowed: can move to spot nodes',
      },
    ]);
    expect(section.topBlockers.map((b) => [b.key, b.replicas])).toEqual([['db#StatefulSet#db', 1]]);
    expect(section).toMatchObject({ eligibleCount: 3, readyCount: 2, monthlySavingUsd: s.monthlySavingUsd });
  });
});
