import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, smallCluster } from '../snapshot-fixtures';

/** The small cluster of `snapshot-fixtures.ts` at its live prices: $0.10 + $0.04 + $0.085 per hour. */
export const smallModel = () => buildSnapshotModel(smallCluster(), 'us-east-1', live);

export const now = new Date('2026-07-01T12:30:00.000Z');
