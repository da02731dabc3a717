import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoveryPackingBudget } from '../src/domain/discovery/collect-cluster';
import { causeMessage } from '../src/domain/discovery/common';
import { planCollection } from '../src/domain/discovery/plan-collection';
import { discoveryWorkflow } from '../src/workflows/discovery';

type State = {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimeoutSeconds?: number;
  MaxConcurrency?: number;
  ItemProcessor?: { States: Record<string, State> };
  Next?: string;
};

const asl = discoveryWorkflow.definition(
  (state) => `arn:aws:lambda:us-east-1:123456789012:function:${state}`,
);
const states = asl.States as Record<string, State>;

/** Every state, Map iterations included, by name. */
function allStates(machine: Record<string, State>): [string, State][] {
  return Object.entries(machine).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : []),
  ]);
}

describe('discovery state machine', () => {
  it('maps every Task state, nested ones included, to an existing task module and back', () => {
    const tasks = allStates(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(discoveryWorkflow.tasks).sort());
    for (const module of Object.values(discoveryWorkflow.tasks)) {
      expect(existsSync(fileURLToPath(new URL(`../src/tasks/${module}.ts`, import.meta.url))), module).toBe(
        true,
      );
    }
  });

  it('reads regions 4 at a time and clusters 4 at a time, reporting each failure instead of failing', () => {
    for (const [map, task, failed] of [
      ['DiscoverRegions', 'DiscoverRegion', 'RegionFailed'],
      ['CollectClusters', 'CollectCluster', 'ClusterFailed'],
    ] as const) {
      expect(states[map]).toMatchObject({ Type: 'Map', MaxConcurrency: 4 });
      const inner = states[map]?.ItemProcessor?.States ?? {};
      expect(inner[task]?.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failed },
      ]);
      expect(inner[failed]).toMatchObject({ Type: 'Pass', End: true });
    }
  });

  it('retries only transient failures and sends every other failure to FailDiscovery', () => {
    for (const [name, s] of allStates(states).filter(([, x]) => x.Type === 'Task')) {
      expect(s.TimeoutSeconds, name).toBeGreaterThan(0);
      const retried = s.Retry?.flatMap((r) => r.ErrorEquals) ?? [];
      expect(retried, name).not.toContain('States.ALL');
      expect(retried, name).not.toContain('States.TaskFailed');
      expect(retried, name).toContain('Discovery.Retryable');
    }
    for (const name of [
      'LoadAccount',
      'ListRegions',
      'PlanCollection',
      'CompleteDiscovery',
      'DiscoverRegions',
      'CollectClusters',
    ]) {
      expect(states[name]?.Catch?.[0]?.Next, name).toBe('FailDiscovery');
    }
    expect(states.FailDiscovery?.Next).toBe('DiscoveryFailed');
  });
});

describe('PlanCollection', () => {
  const ok = (region: string, clusters: string[]) => ({
    region,
    ok: true as const,
    instanceCount: 1,
    runningInstanceCount: 1,
    autoScalingGroupCount: 0,
    monthlyRunRateUsd: 0,
    clusters: clusters.map((c) => ({ clusterId: `id-${c}`, name: c })),
    pricesError: null,
  });

  it('lists the clusters of the regions read and names the failed regions', () => {
    const plan = planCollection({
      orgId: 'o',
      accountId: 'a',
      regionResults: [
        ok('us-east-1', ['a', 'b']),
        { region: 'eu-west-1', ok: false, error: { Error: 'CloudAccessError', Cause: 'denied' } },
        ok('us-west-2', ['c']),
      ],
    });
    expect(plan).toEqual({
      clusters: [
        { clusterId: 'id-a', region: 'us-east-1' },
        { clusterId: 'id-b', region: 'us-east-1' },
        { clusterId: 'id-c', region: 'us-west-2' },
      ],
      regionsRead: 2,
      regionsFailed: ['eu-west-1'],
    });
  });

  it('fails the run when not one region could be read', () => {
    expect(() =>
      planCollection({
        orgId: 'o',
        accountId: 'a',
        regionResults: [
          { region: 'eu-west-1', ok: false, error: { Error: 'CloudAccessError', Cause: 'denied' } },
        ],
      }),
    ).toThrow(/No region could be read \(1 failed; eu-west-1: denied\)/);
  });

  it('reads the message of a failed state the way AWS and the local runner hand it over', () => {
    expect(
      causeMessage({
        Error: 'CloudAccessError',
        Cause: '{"errorType":"CloudAccessError","errorMessage":"Denied in AWS"}',
      }),
    ).toBe('Denied in AWS');
    expect(causeMessage({ Error: 'CloudAccessError', Cause: 'Denied locally' })).toBe('Denied locally');
    expect(causeMessage(undefined)).toBe('unknown error');
  });
});

describe('the packing budget of CollectCluster', () => {
  it('grows with the pods between 0.4 and 1.5 s, and drops the LP phases only for huge clusters', () => {
    expect(discoveryPackingBudget(30)).toEqual({ timeLimitMs: 400, heuristicsOnly: false });
    expect(discoveryPackingBudget(600)).toEqual({ timeLimitMs: 900, heuristicsOnly: false });
    expect(discoveryPackingBudget(4_000)).toEqual({ timeLimitMs: 1_500, heuristicsOnly: false });
    expect(discoveryPackingBudget(30_000)).toEqual({ timeLimitMs: 1_500, heuristicsOnly: true });
  });
});
