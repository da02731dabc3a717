import { z } from 'zod';
import { defineEntity } from '../entity';
import { accountInventoryPk } from './partitions';

/** One enabled region of an account as discovery last saw it, with the live prices it fetched there. */
export const accountRegionEntity = defineEntity(
  'AccountRegion',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    ok: z.boolean(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    instanceCount: z.number().int().nonnegative(),
    runningInstanceCount: z.number().int().nonnegative(),
    autoScalingGroupCount: z.number().int().nonnegative(),
    clusterCount: z.number().int().nonnegative(),
    /** Running EC2 instances of the region (in and out of clusters), USD/month. */
    monthlyRunRateUsd: z.number().nonnegative(),
    /** Live on-demand prices by instance type, USD/h (empty when the Pricing API was unavailable). */
    onDemandPrices: z.record(z.string(), z.number()).default({}),
    /** Latest live spot price by `<instanceType>|<availabilityZone>`, USD/h. */
    spotPrices: z.record(z.string(), z.number()).default({}),
    /** Recent spot prices by instance type, USD/h, oldest first (price volatility of the interruption model). */
    spotHistory: z.record(z.string(), z.array(z.number())).default({}),
    pricesError: z.string().nullable().default(null),
    discoveredAt: z.string(),
    runId: z.string(),
  }),
  (r) => accountRegionKey(r.orgId, r.accountId, r.region),
);
export const accountRegionKey = (orgId: string, accountId: string, region: string) => ({
  PK: accountInventoryPk(orgId, accountId),
  SK: `REGION#${region}`,
});
export const regionsOfAccountQuery = (orgId: string, accountId: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: 'REGION#',
});
