import { port } from '../../ports';
import type { DiscoveryInput } from './common';
import { discoveryTarget, requireConnectedAccount } from './target';

export async function listRegions(input: DiscoveryInput) {
  const account = await requireConnectedAccount(input.orgId, input.accountId);
  const target = await discoveryTarget(input.orgId, input.accountId, account.region);
  const regions = [...new Set(await port('cloud').listRegions(target))].sort();
  return { regions };
}
