import { z } from 'zod';
import { defineEntity } from '../entity';
import { accountInventoryPk, tagsSchema } from './partitions';

export const autoScalingGroupEntity = defineEntity(
  'AutoScalingGroup',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    name: z.string(),
    minSize: z.number().int().nonnegative(),
    desiredCapacity: z.number().int().nonnegative(),
    maxSize: z.number().int().nonnegative(),
    instanceTypes: z.array(z.string()),
    instanceCount: z.number().int().nonnegative(),
    onDemandPercentageAboveBase: z.number().nullable(),
    tags: tagsSchema,
    clusterId: z.string().nullable(),
    runId: z.string(),
  }),
  (a) => ({ PK: accountInventoryPk(a.orgId, a.accountId), SK: `ASG#${a.region}#${a.name}` }),
);
export const autoScalingGroupsOfRegionQuery = (orgId: string, accountId: string, region: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: `ASG#${region}#`,
});
