import { causeMessage, type DiscoveryInput } from './common';
import type { RegionOutcome } from './discover-region';
import { DiscoveryError } from './errors';

export interface RegionFailure {
  region: string;
  ok: false;
  error?: { Error?: string; Cause?: string };
}
export type RegionResult = RegionOutcome | RegionFailure;

/** Every cluster of the regions that were read. Fails the run when not a single region could be read. */
export function planCollection(input: DiscoveryInput & { regionResults: RegionResult[] }) {
  const ok = input.regionResults.filter((r): r is RegionOutcome => r.ok);
  const failed = input.regionResults.filter((r): r is RegionFailure => !r.ok);
  if (ok.length === 0 && failed.length > 0) {
    const first = failed[0] as RegionFailure;
    throw new DiscoveryError(
      'DISCOVERY_NO_REGION_SUCCEEDED',
      `No region could be read (${failed.length} failed; ${first.region}: ${causeMessage(first.error)})`,
    );
  }
  return {
    clusters: ok.flatMap((r) => r.clusters.map((c) => ({ clusterId: c.clusterId, region: r.region }))),
    regionsRead: ok.length,
    regionsFailed: failed.map((f) => f.region),
  };
}
