import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discoveryPackingBudget } from '../src/domain/discovery/collect-cluster';
import { causeMessage } from '../src/domain/discovery/common';
import { collectionOrder, planCollection } from '../src/domain/discovery/plan-collection';
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

  it('reads regions 8 at a time, the first cluster alone and the rest 4 at a time, reporting each failure instead of failing', () => {
    for (const [map, concurrency, task, failed] of [
      ['DiscoverRegions', 8, 'DiscoverRegion', 'RegionFailed'],
      ['CollectFirstCluster', 1, 'CollectOneCluster', 'OneClusterFailed'],
      ['CollectClusters', 4, 'CollectCluster', 'ClusterFailed'],
    ] as const) {
      expect(states[map]).toMatchObject({ Type: 'Map', MaxConcurrency: concurrency });
      const inner = states[map]?.ItemProcessor?.States ?? {};
      expect(inner[task]?.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failed },
      ]);
      expect(inner[failed]).toMatchObject({ Type: 'Pass', End: true });
    }
    expect(states.PlanCollection?.Next).toBe('CollectFirstCluster');
    expect(states.CollectFirstCluster).toMatchObject({ ItemsPath: '$.plan.first', Next: 'CollectClusters' });
    expect(states.CollectClusters).toMatchObject({ ItemsPath: '$.plan.rest', Next: 'CompleteDiscovery' });
    // Both collection Maps run the same task module.
    expect(discoveryWorkflow.tasks.CollectOneCluster).toBe(discoveryWorkflow.tasks.CollectCluster);
  });

  it('names every state once in the whole machine (AWS refuses a name repeated in another Map)', () => {
    const names = allStates(states).map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
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
      'CollectFirstCluster',
      'CollectClusters',
    ]) {
      expect(states[name]?.Catch?.[0]?.Next, name).toBe('FailDiscovery');
    }
    expect(states.FailDiscovery?.Next).toBe('DiscoveryFailed');
  });
});

describe('PlanCollection', () => {
  const planned = (clusterId: string, nodeCount: number, region = 'us-east-1') => ({
    clusterId,
    region,
    nodeCount,
  });

  it('collects the smallest cluster first, then the others largest first', () => {
    expect(
      collectionOrder([
        planned('b', 40),
        planned('a', 300, 'eu-west-1'),
        planned('c', 6, 'us-west-2'),
        planned('d', 120),
      ]),
    ).toEqual({
      first: [{ clusterId: 'c', region: 'us-west-2' }],
      rest: [
        { clusterId: 'a', region: 'eu-west-1' },
        { clusterId: 'd', region: 'us-east-1' },
        { clusterId: 'b', region: 'us-east-1' },
      ],
    });
    expect(collectionOrder([])).toEqual({ first: [], rest: [] });
  });

  it('plans every cluster exactly once, the first no larger than any other, whatever the input order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ clusterId: fc.stringMatching(/^[0-9a-f]{1,8}$/), nodeCount: fc.nat(500) }),
          {
            selector: (c) => c.clusterId,
            maxLength: 30,
          },
        ),
        (clusters) => {
          const input = clusters.map((c) => planned(c.clusterId, c.nodeCount));
          const { first, rest } = collectionOrder(input);
          const ids = [...first, ...rest].map((c) => c.clusterId);
          expect(ids.sort()).toEqual(input.map((c) => c.clusterId).sort());
          expect(first.length).toBe(input.length > 0 ? 1 : 0);
          const size = new Map(input.map((c) => [c.clusterId, c.nodeCount]));
          const firstSize = size.get(first[0]?.clusterId ?? '') ?? 0;
          expect(rest.every((c) => (size.get(c.clusterId) ?? 0) >= firstSize)).toBe(true);
          // Same input, any order: the same plan.
          expect(collectionOrder([...input].reverse())).toEqual({ first, rest });
        },
      ),
    );
  });

  it('fails the run when not one region could be read', async () => {
    await expect(
      planCollection(
        {
          orgId: 'o',
          accountId: 'a',
          runId: 'r',
          regionResults: [
            { region: 'eu-west-1', ok: false, error: { Error: 'CloudAccessError', Cause: 'denied' } },
          ],
        },
        new Date(),
      ),
    ).rejects.toThrow(/No region could be read \(1 failed; eu-west-1: denied\)/);
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
    expect(discoveryPackingBudget(30)).toEqual({
      timeLimitMs: 400,
      heuristicsOnly: false,
      boundBudgetMs: 400,
    });
    expect(discoveryPackingBudget(600)).toEqual({
      timeLimitMs: 900,
      heuristicsOnly: false,
      boundBudgetMs: 750,
    });
    expect(discoveryPackingBudget(4_000)).toEqual({
      timeLimitMs: 1_500,
      heuristicsOnly: false,
      boundBudgetMs: 0,
    });
    expect(discoveryPackingBudget(30_000)).toEqual({
      timeLimitMs: 1_500,
      heuristicsOnly: true,
      boundBudgetMs: 0,
    });
  });
});
