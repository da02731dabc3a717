import { z } from 'zod';
import { defineEntity } from '../entity';
import { accountInventoryPk, capacityTypeSchema, inventoryPriceSourceSchema, tagsSchema } from './partitions';

export const instanceEntity = defineEntity(
  'Ec2Instance',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    instanceId: z.string(),
    instanceType: z.string(),
    capacityType: capacityTypeSchema,
    availabilityZone: z.string(),
    state: z.string(),
    launchTime: z.string(),
    architecture: z.string().nullable(),
    tags: tagsSchema,
    clusterName: z.string().nullable(),
    clusterId: z.string().nullable(),
    autoScalingGroupName: z.string().nullable(),
    nodegroupName: z.string().nullable(),
    hourlyPriceUsd: z.number().nonnegative().nullable(),
    priceSource: inventoryPriceSourceSchema,
    runId: z.string(),
  }),
  (i) => ({ PK: accountInventoryPk(i.orgId, i.accountId), SK: `INSTANCE#${i.region}#${i.instanceId}` }),
);
export const instancesOfRegionQuery = (orgId: string, accountId: string, region: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: `INSTANCE#${region}#`,
});
