import { port } from '../../ports';
import { discoveryTarget, requireConnectedAccount } from '../discovery-target';
import type { DiscoveryInput } from './common';

export async function listRegions(input: DiscoveryInput) {
  const account = await requireConnectedAccount(input.orgId, input.accountId);
  const target = await discoveryTarget(input.orgId, input.accountId, account.region);
  const regions = [...new Set(await port('cloud').listRegions(target))].sort();
  return { regions };
}
