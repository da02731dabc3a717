import { allSeriesAttributes } from '@spot/shared/dashboard/index';
import { describe, expect, it } from 'vitest';
import { clusterSeriesEntity, clusterSeriesKey, seriesOfOrgQuery } from '../src/data/entities/inventory';

describe('ClusterSeries entity (the dashboard item)', () => {
  it('has one attribute per range x resource that the shared series code writes and reads', () => {
    const shape = Object.keys(clusterSeriesEntity.schema.shape);
    for (const attribute of allSeriesAttributes) expect(shape).toContain(attribute);
    expect(allSeriesAttributes).toHaveLength(6);
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
