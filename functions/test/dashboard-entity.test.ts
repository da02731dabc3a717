import { allSeriesAttributes } from '@spot/shared/dashboard/index';
import { describe, expect, it } from 'vitest';
import { cardsOfOrgQuery, clusterCardEntity, clusterCardKey } from '../src/data/entities/cluster-card';
import { clusterSeriesEntity, clusterSeriesKey, seriesOfOrgQuery } from '../src/data/entities/cluster-series';

describe('ClusterSeries entity (the Resource Gap item)', () => {
  it('has one attribute per range x resource that the shared series code writes and reads', () => {
    const shape = Object.keys(clusterSeriesEntity.schema.shape);
    for (const attribute of allSeriesAttributes) expect(shape).toContain(attribute);
    expect(allSeriesAttributes).toHaveLength(6);
    // The card lives in its own item: the series item holds only the bin-packing figures of it.
    expect(shape).not.toContain('card');
    expect(shape).toContain('packing');
  });

  it('sits in the organization partition, under the one prefix the dashboard queries', () => {
    const key = clusterSeriesKey('org-1', 'eks-1');
    const q = seriesOfOrgQuery('org-1');
    expect(key.PK).toBe(q.pk);
    expect(key.SK.startsWith(q.skPrefix)).toBe(true);
    // Never under the clusters' prefix (listing clusters must not see it).
    expect(key.SK.startsWith('CLUSTER#')).toBe(false);
  });
});

describe('ClusterCard entity (the dashboard item)', () => {
  it('holds the card string and the account for the account filter, nothing else', () => {
    expect(Object.keys(clusterCardEntity.schema.shape).sort()).toEqual([
      'accountId',
      'card',
      'clusterId',
      'orgId',
    ]);
  });

  it('sits in the organization partition under its own prefix: neither clusters nor series see it', () => {
    const key = clusterCardKey('org-1', 'eks-1');
    const q = cardsOfOrgQuery('org-1');
    expect(key.PK).toBe(q.pk);
    expect(key.SK.startsWith(q.skPrefix)).toBe(true);
    for (const other of ['CLUSTER#', seriesOfOrgQuery('org-1').skPrefix])
      expect(key.SK.startsWith(other)).toBe(false);
    expect(clusterSeriesKey('org-1', 'eks-1').SK.startsWith(q.skPrefix)).toBe(false);
  });
});
