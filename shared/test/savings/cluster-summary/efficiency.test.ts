import { expect, it } from 'vitest';
import { pricedNodesOf } from '../../../src/savings/cluster-summary/common';
import { efficiencyOf } from '../../../src/savings/cluster-summary/efficiency';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, snapNode, snapshotOf } from '../snapshot-fixtures';
import { smallModel } from './support';

it('weights the utilization of the nodes with metrics by their price', () => {
  const model = smallModel();
  const { efficiency, note } = efficiencyOf(pricedNodesOf(model), model.nodes.length);
  // od: 1000/2000 CPU, 4000/8000 MiB at $0.10; sp: 500/2000, 2000/8000 at $0.04; c5 has no metrics.
  const utilization = (0.1 * 0.5 + 0.04 * 0.25) / 0.14;
  expect(efficiency).toEqual({
    score: expect.closeTo(utilization, 12),
    grade: 'D',
    cpuUtilization: expect.closeTo(utilization, 12),
    memoryUtilization: expect.closeTo(utilization, 12),
    totalHourlyCostUsd: expect.closeTo(0.14, 12),
    nodeCount: 2,
    basis: 'metrics-server',
  });
  expect(note).toBeNull();
});

it('cannot grade a cluster without metrics, and says so only when it has nodes', () => {
  const model = buildSnapshotModel(snapshotOf({ nodes: [snapNode({ name: 'a' })] }), 'us-east-1', live);
  expect(efficiencyOf(pricedNodesOf(model), 1)).toEqual({
    efficiency: expect.objectContaining({ score: null, grade: null, basis: 'unavailable', nodeCount: 0 }),
    note: 'No usage metrics (metrics-server) in the snapshot: efficiency cannot be graded.',
  });
  expect(efficiencyOf([], 0).note).toBeNull();
});
