import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotPod } from '../../src/model/cluster-snapshot';
import { workloadsNotRecovered } from '../../src/savings/wave-recovery';

type Phase = SnapshotPod['phase'];
const pod = (name: string, phase: Phase, opts: { replicas?: number; owner?: string; node?: boolean } = {}) =>
  ({
    namespace: 'data-science',
    name,
    nodeName: phase === 'Running' && opts.node !== false ? 'ip-10-0-0-1' : null,
    phase,
    owner: { kind: 'Deployment', name: opts.owner ?? 'embeddings-worker', replicas: opts.replicas ?? 3 },
    labels: { 'app.kubernetes.io/name': opts.owner ?? 'embeddings-worker' },
  }) as unknown as SnapshotPod;
const pdb = (disruptionsAllowed: number) => ({
  namespace: 'data-science',
  name: 'embeddings-worker',
  matchLabels: { 'app.kubernetes.io/name': 'embeddings-worker' },
  disruptionsAllowed,
});
const worker = { namespace: 'data-science', kind: 'Deployment', name: 'embeddings-worker' };

describe('workloadsNotRecovered', () => {
  it('names a workload whose replacement is still starting and whose budget is spent', () => {
    const snapshot = {
      pods: [pod('w-a', 'Running'), pod('w-b', 'Running'), pod('w-c2', 'Pending')],
      pdbs: [pdb(0)],
    };
    const [held, ...rest] = workloadsNotRecovered(snapshot, [worker, worker]);
    expect(rest).toEqual([]);
    expect(held).toMatchObject({ readyPods: 2, wantedPods: 3, exhaustedPdbs: ['embeddings-worker'] });
    expect(held?.reason).toBe(
      'data-science/embeddings-worker: 2 of 3 pods ready, its PodDisruptionBudget embeddings-worker allows no disruption',
    );
  });

  it('lets the next wave go once every replica runs and the budget allows a disruption', () => {
    const snapshot = {
      pods: [pod('w-a', 'Running'), pod('w-b', 'Running'), pod('w-c2', 'Running')],
      pdbs: [pdb(1)],
    };
    expect(workloadsNotRecovered(snapshot, [worker])).toEqual([]);
  });

  it('counts a replica the controller has not created yet as not ready', () => {
    const snapshot = { pods: [pod('w-a', 'Running'), pod('w-b', 'Running')], pdbs: [] };
    expect(workloadsNotRecovered(snapshot, [worker])[0]?.reason).toBe(
      'data-science/embeddings-worker: 2 of 3 pods ready',
    );
  });

  it('ignores other workloads, and one that is gone from the cluster', () => {
    const snapshot = {
      pods: [pod('o-a', 'Pending', { owner: 'other' }), pod('w-a', 'Running', { replicas: 1 })],
    };
    const gone = { namespace: 'data-science', kind: 'Deployment', name: 'deleted' };
    expect(workloadsNotRecovered(snapshot, [worker, gone])).toEqual([]);
  });

  it('property: reported exactly when a pod is not running, a replica is missing or the budget is spent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Phase>('Running', 'Pending', 'Unknown', 'Succeeded'), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 8 }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        (phases, replicas, allowed) => {
          const pods = phases.map((phase, i) => pod(`w-${i}`, phase, { replicas }));
          const snapshot = { pods, pdbs: allowed === undefined ? [] : [pdb(allowed)] };
          const live = phases.filter((p) => p !== 'Succeeded');
          const running = phases.filter((p) => p === 'Running').length;
          const expectHeld =
            live.length > 0 && (running < live.length || running < replicas || allowed === 0);
          const held = workloadsNotRecovered(snapshot, [worker]);
          expect(held.length).toBe(expectHeld ? 1 : 0);
          if (held[0]) expect(held[0].readyPods).toBe(running);
        },
      ),
    );
  });
});
