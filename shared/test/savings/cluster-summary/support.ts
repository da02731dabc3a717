import type { RollupSample } from '../../../src/savings/cluster-summary/types';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, smallCluster } from '../snapshot-fixtures';

/** The small cluster of `snapshot-fixtures.ts` at its live prices: $0.10 + $0.04 + $0.085 per hour. */
export const smallModel = () => buildSnapshotModel(smallCluster(), 'us-east-1', live);

export const now = new Date('2026-07-01T12:30:00.000Z');

/** The rollup of the hour `hoursAgo` before `now`: busy (3000 of 4000 millicores) but 8 quiet hours a day. */
export const rollupSample = (hoursAgo: number, over: Partial<RollupSample> = {}): RollupSample => ({
  hour: new Date(now.getTime() - hoursAgo * 3_600_000).toISOString(),
  capacityCpuMilli: 4000,
  usedCpuMilli: hoursAgo % 24 < 8 ? 100 : 3000,
  usageKnown: true,
  podChurn: 0,
  apiRequestRate: 0,
  pressureEvents: 0,
  nodesByCapacityType: { 'on-demand': 2, spot: 1 },
  ...over,
});
