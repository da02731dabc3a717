import { expect, it } from 'vitest';
import { capacityOf } from '../../../src/savings/cluster-summary/capacity';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, snapNode, snapshotOf } from '../snapshot-fixtures';
import { smallModel } from './support';

it('sums capacity, requests and the usage of the nodes that report it', () => {
  expect(capacityOf(smallModel())).toEqual({
    nodes: 3,
    readyNodes: 3,
    pods: 7,
    pendingPods: 1,
    cpuMilli: 6000,
    memoryMiB: 20_000,
    requestedCpuMilli: 1600 + 600 + 100,
    requestedMemoryMiB: 3100 + 1100 + 100,
    // `c5` has no metrics: only `od` and `sp` count.
    usedCpuMilli: 1500,
    usedMemoryMiB: 6000,
    zones: ['us-east-1a', 'us-east-1b'],
  });
});

it('has no usage without metrics, and counts not-ready nodes', () => {
  const model = buildSnapshotModel(
    snapshotOf({
      nodes: [snapNode({ name: 'a', conditions: { Ready: 'Unknown' } }), snapNode({ name: 'b' })],
    }),
    'us-east-1',
    live,
  );
  expect(capacityOf(model)).toMatchObject({
    nodes: 2,
    readyNodes: 1,
    usedCpuMilli: null,
    usedMemoryMiB: null,
  });
});
