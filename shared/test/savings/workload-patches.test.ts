import { describe, expect, it } from 'vitest';
import {
  containerRestoreOf,
  observedSincePatch,
  rolloutBaseline,
  schedulingOf,
} from '../../src/savings/workload-patches';

/** Examples of the workload-patch planner's parts (the invariants are in the properties file). */
describe('workload patches', () => {
  const allRules = {
    forceSpot: false,
    preferSpot: true,
    blockBurstableFamilies: true,
    enforceMultiAzSpread: true,
  };

  it('merges prefer spot and block burstable into one nodeAffinity, spread by the app label', () => {
    const { rules, scheduling } = schedulingOf(
      { spotReady: true, replicas: 3, labels: { app: 'web' }, name: 'web' },
      allRules,
    );
    expect(rules).toEqual(['preferSpot', 'blockBurstableFamilies', 'enforceMultiAzSpread']);
    expect(
      Object.keys((scheduling?.affinity as { nodeAffinity?: object } | undefined)?.nodeAffinity ?? {}).sort(),
    ).toEqual([
      'preferredDuringSchedulingIgnoredDuringExecution',
      'requiredDuringSchedulingIgnoredDuringExecution',
    ]);
    expect(scheduling?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' } },
      },
    ]);
  });

  it('keeps spot placement off a workload that is not spot-ready, and spread off a single replica', () => {
    const { rules } = schedulingOf(
      { spotReady: false, replicas: 1, labels: {}, name: 'db' },
      {
        ...allRules,
        preferSpot: false,
        forceSpot: true,
      },
    );
    expect(rules).toEqual(['blockBurstableFamilies']);
  });

  it('derives the baseline per 30-minute watch from the daily OOM kills, rounded up', () => {
    expect(rolloutBaseline([])).toEqual({ oomKills: 0, restarts: 0 });
    expect(rolloutBaseline([0, 0, 0])).toEqual({ oomKills: 0, restarts: 0 });
    // 96 kills a day = 2 per 30 minutes.
    expect(rolloutBaseline([96, 96])).toEqual({ oomKills: 2, restarts: 2 });
    expect(rolloutBaseline([1, 0])).toEqual({ oomKills: 1, restarts: 1 });
  });

  it('counts restarts beyond what a pod had, and OOM kills of the workload since the patch', () => {
    const seen = observedSincePatch(
      [
        { name: 'db-0', restarts: 5 },
        { name: 'web-new-1', restarts: 2 },
      ],
      { 'db-0': 4, 'web-old-1': 9 },
      [
        { objectName: 'web-new-1', at: '2026-12-01T10:05:00Z' },
        { objectName: 'web-new-1', at: '2026-12-01T09:55:00Z' },
        { objectName: 'other-1', at: '2026-12-01T10:06:00Z' },
      ],
      '2026-12-01T10:00:00Z',
    );
    expect(seen).toEqual({ oomKills: 1, restarts: 3 });
  });

  it('restores only what the resize changed', () => {
    const restore = containerRestoreOf(
      [
        {
          name: 'app',
          requestCpuMilli: 500,
          requestMemoryMiB: 1024,
          limitCpuMilli: null,
          limitMemoryMiB: 2048,
        },
      ],
      { cpu: false, memory: true },
    );
    expect(restore).toEqual([{ name: 'app', requests: { memoryMiB: 1024 }, limits: { memoryMiB: 2048 } }]);
  });
});
