import { randomUUID } from 'node:crypto';
import { noLivePrices } from '@spot/shared/savings/node-pricing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterRollupEntity, clusterRollupsQuery } from '../src/data/entities/cluster-rollup';
import { batchWrite, putItem, queryAll } from '../src/data/repository';
import { type ClusterItem, planBackfill, withBackfilled } from '../src/domain/discovery/snapshot';
import type { ClusterHourSample } from '../src/ports/kubernetes';
import { useLocalServices } from './support/services';

beforeAll(async () => {
  await useLocalServices();
});

const now = new Date('2026-11-30T10:20:00.000Z');
const hourIso = (hoursAgo: number) =>
  new Date(Date.parse('2026-11-30T10:00:00.000Z') - hoursAgo * 3_600_000).toISOString();
/** The lookback `applySnapshot` reads (30 days and 6 hours). */
const from = hourIso(726);

/** Measured figures with fractions (DynamoDB refuses subnormal doubles, which no meter reports). */
const figure = fc.integer({ min: 0, max: 2e9 }).map((n) => n / 997);
const sampleArb = (hoursAgo: number) =>
  fc
    .record({
      capacityCpuMilli: figure,
      requestedCpuMilli: figure,
      usedCpuMilli: figure,
      capacityMemoryMiB: figure,
      requestedMemoryMiB: figure,
      usedMemoryMiB: figure,
      nodes: fc.array(
        fc.record({
          instanceType: fc.constantFrom('m5.large', 'c6i.2xlarge', 'r7g.large', 'g4dn.xlarge'),
          capacityType: fc.constantFrom('on-demand' as const, 'spot' as const),
          count: fc.integer({ min: 1, max: 40 }),
        }),
        { maxLength: 3 },
      ),
      podChurn: fc.nat(500),
      apiRequestRate: figure,
      apiLatencyP99Ms: fc.option(figure, { nil: null }),
      pressureEvents: fc.nat(5),
      spotInterruptions: fc.nat(5),
    })
    .map((s): ClusterHourSample => ({ ...s, hour: hourIso(hoursAgo), workloads: [] }));

describe('a back-fill applied from memory while it is stored', () => {
  it('gives applySnapshot exactly the rollups the table holds once the back-fill has landed', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Hours ago of the back-filled samples (1-720, as `history` answers) and of rollups already stored
        // (an agent's snapshots, an earlier attempt; some older than the lookback, some in this hour).
        fc.uniqueArray(fc.integer({ min: 1, max: 720 }), { minLength: 1, maxLength: 40 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 740 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (backfilledHours, storedHours, landedPercent, seed) => {
          const cluster = {
            orgId: `org-${randomUUID()}`,
            clusterId: `eks-${randomUUID().slice(0, 8)}`,
            accountId: randomUUID(),
            region: 'us-east-1',
          } as ClusterItem;
          const samples = fc.sample(fc.tuple(...backfilledHours.sort((a, b) => b - a).map(sampleArb)), {
            numRuns: 1,
            seed,
          })[0] as ClusterHourSample[];
          const stored =
            fc.sample(fc.tuple(...storedHours.map(sampleArb)), { numRuns: 1, seed: seed + 1 })[0] ?? [];
          for (const s of stored as ClusterHourSample[]) {
            const [rollup] = planBackfill(cluster, [s], noLivePrices, now).rollups;
            if (rollup) await putItem(clusterRollupEntity, { ...rollup, source: 'snapshot', podChurn: 7 });
          }
          const plan = planBackfill(cluster, samples, noLivePrices, now);
          // Part of the back-fill may have landed when the snapshot reads the table.
          const landed = plan.writes.slice(0, Math.floor((plan.writes.length * landedPercent) / 100));
          await batchWrite(landed);
          const read = await queryAll(
            clusterRollupEntity,
            clusterRollupsQuery(cluster.orgId, cluster.clusterId, from),
          );
          const inMemory = withBackfilled(read, plan.rollups, from);
          await batchWrite(plan.writes.slice(landed.length));
          const afterwards = await queryAll(
            clusterRollupEntity,
            clusterRollupsQuery(cluster.orgId, cluster.clusterId, from),
          );
          expect(inMemory).toEqual(afterwards);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
