import type { ScanProgress } from '@spot/shared';
import { formatNumber } from './format';

const clusters = (n: number) => `${formatNumber(n)} ${n === 1 ? 'cluster' : 'clusters'}`;

/**
 * The progress line of a running scan: "Scanning: 5 of 12 clusters collected" (with the ones that could
 * not be read, if any), or, while the regions are still being read, that the clusters are being looked
 * for.
 */
export function scanProgressText(p: ScanProgress): string {
  if (p.clustersFound === null) return 'Scanning: looking for clusters in every region…';
  if (p.clustersFound === 0) return 'Scanning: no EKS cluster found; finishing the scan…';
  const failed = p.clustersFailed > 0 ? ` (${formatNumber(p.clustersFailed)} could not be read)` : '';
  return `Scanning: ${formatNumber(p.clustersCollected)} of ${clusters(p.clustersFound)} collected${failed}`;
}

/** Clusters done (collected or failed) of those found: the bar under the line; `null` while unknown. */
export function scanProgressFraction(p: ScanProgress): number | null {
  if (p.clustersFound === null || p.clustersFound === 0) return null;
  return Math.min(1, (p.clustersCollected + p.clustersFailed) / p.clustersFound);
}
