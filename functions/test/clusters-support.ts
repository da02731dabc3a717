import { randomUUID } from 'node:crypto';
import { clusterEntity } from '../src/data/entities/cluster';
import { putItem } from '../src/data/repository';
import { refreshRegistryRow } from '../src/domain/cluster-registry-row';
import { clusterIdFor } from '../src/domain/discovery/common';

export interface SeededCluster {
  clusterId: string;
  name: string;
  accountId: string;
  region: string;
  tags: Record<string, string>;
}

/** A discovered cluster (as DiscoverRegion leaves it, before its first snapshot), written directly. */
export async function seedCluster(
  orgId: string,
  fields: Partial<{
    name: string;
    accountId: string;
    region: string;
    tags: Record<string, string>;
    nodeCount: number;
    monthlyRunRateUsd: number;
  }> = {},
): Promise<SeededCluster> {
  const accountId = fields.accountId ?? randomUUID();
  const region = fields.region ?? 'us-east-1';
  const name = fields.name ?? `cluster-${randomUUID().slice(0, 6)}`;
  const clusterId = clusterIdFor(accountId, region, name);
  const tags = fields.tags ?? {};
  const item = clusterEntity.schema.parse({
    orgId,
    clusterId,
    accountId,
    awsAccountId: '123456789012',
    name,
    region,
    kubernetesVersion: '1.29',
    tags,
    nodeCount: fields.nodeCount ?? 0,
    monthlyRunRateUsd: fields.monthlyRunRateUsd ?? 0,
    discoveredAt: new Date().toISOString(),
  });
  await putItem(clusterEntity, item);
  // Listed in the registry as discovery lists a new cluster (ADR 0045).
  await refreshRegistryRow(item);
  return { clusterId, name, accountId, region, tags };
}
