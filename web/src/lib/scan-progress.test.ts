import { describe, expect, it } from 'vitest';
import { scanProgressFraction, scanProgressText } from './scan-progress';

describe('the progress line of a scan', () => {
  it('counts the collected clusters of those found', () => {
    const p = { clustersFound: 12, clustersCollected: 5, clustersFailed: 0 };
    expect(scanProgressText(p)).toBe('Scanning: 5 of 12 clusters collected');
    expect(scanProgressFraction(p)).toBeCloseTo(5 / 12, 10);
    expect(scanProgressText({ clustersFound: 1, clustersCollected: 0, clustersFailed: 0 })).toBe(
      'Scanning: 0 of 1 cluster collected',
    );
  });

  it('names the clusters that could not be read, which count as done', () => {
    const p = { clustersFound: 12, clustersCollected: 9, clustersFailed: 2 };
    expect(scanProgressText(p)).toBe('Scanning: 9 of 12 clusters collected (2 could not be read)');
    expect(scanProgressFraction(p)).toBeCloseTo(11 / 12, 10);
  });

  it('says the clusters are being looked for until the regions are read, and when there are none', () => {
    const looking = { clustersFound: null, clustersCollected: 0, clustersFailed: 0 };
    expect(scanProgressText(looking)).toBe('Scanning: looking for clusters in every region…');
    expect(scanProgressFraction(looking)).toBeNull();
    expect(scanProgressText({ clustersFound: 0, clustersCollected: 0, clustersFailed: 0 })).toBe(
      'Scanning: no EKS cluster found; finishing the scan…',
    );
  });
});
