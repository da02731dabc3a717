import type { RightsizingPlanResponse, WorkloadPatchState } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import {
  resourceChanges,
  rightsizingSummary,
  schedulingChange,
  spotRulesLabel,
} from './workload-patch-display';

const state = (
  cpu: number,
  mem: number,
  memLimit: number | null,
  scheduling: Record<string, unknown> | null = null,
) =>
  ({
    requests: { cpuMilli: cpu, memoryMiB: mem },
    limits: { cpuMilli: null, memoryMiB: memLimit },
    scheduling,
  }) satisfies WorkloadPatchState;

describe('workload patch display', () => {
  it('says what changed per replica, and nothing about what stayed', () => {
    expect(resourceChanges(state(1000, 2048, 4096), state(250, 2048, 4096))).toEqual([
      'CPU request 1,000 m → 250 m',
    ]);
    expect(resourceChanges(state(1000, 2048, 4096), state(1000, 512, 1024))).toEqual([
      'Memory request 2,048 MiB → 512 MiB',
      'Memory limit 4,096 MiB → 1,024 MiB',
    ]);
  });

  it('names the scheduling fields a spot-rule patch adds', () => {
    expect(
      schedulingChange(state(1, 1, null), state(1, 1, null, { affinity: {}, topologySpreadConstraints: [] })),
    ).toBe('affinity, topologySpreadConstraints');
    expect(schedulingChange(state(1, 1, null, { a: 1 }), state(1, 1, null, { a: 1 }))).toBeNull();
    expect(spotRulesLabel(['preferSpot', 'enforceMultiAzSpread'])).toBe('prefer spot, multi-AZ spread');
  });

  it('sums the plan up in one sentence', () => {
    const plan = {
      patches: [{ resizes: true }, { resizes: false }],
      monthlySavingUsd: 80,
    } as unknown as RightsizingPlanResponse;
    expect(rightsizingSummary(plan)).toMatch(
      /^Patches 2 workloads \(one rollout each\): resizes 1 for .*80.* per month and applies only the spot rules to 1\.$/,
    );
    expect(rightsizingSummary({ ...plan, patches: [{ resizes: false }] } as RightsizingPlanResponse)).toBe(
      'Patches 1 workload (one rollout each): applies only the spot rules to 1.',
    );
    expect(rightsizingSummary({ ...plan, patches: [] })).toMatch(/^Nothing to patch now/);
  });
});
