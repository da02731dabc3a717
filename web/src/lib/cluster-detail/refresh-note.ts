import type { ClusterDetailResponse } from '@spot/shared';

type CollectedBy = ClusterDetailResponse['cluster']['collectedBy'];

/**
 * How the cluster page's figures come back by themselves, after "Last synced …": an agent-fed cluster is
 * refreshed by its agent's snapshots (discovery leaves it alone, ADR 0076), any other by the discoveries of
 * its account. `null` while the cluster's detail is not read yet: no claim either way.
 */
export function refreshNote(collectedBy: CollectedBy | null): string {
  if (collectedBy === 'agent') return 'refreshes by itself on each snapshot its agent sends';
  if (collectedBy === 'discovery') return 'refreshes by itself after each discovery of its account';
  return 'refreshes by itself';
}
