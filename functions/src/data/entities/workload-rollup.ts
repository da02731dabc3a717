import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk, expiresFrom } from './partitions';
import { workloadDaySchema } from './workload';

/**
 * Daily usage of one workload, one item per calendar month (`days` by UTC date): a back-fill writes two
 * items per workload instead of thirty, and a workload's history is one or two reads.
 */
export const workloadRollupEntity = defineEntity(
  'WorkloadRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    workloadKey: z.string(),
    /** `YYYY-MM`. */
    month: z.string().regex(/^\d{4}-\d{2}$/),
    days: z.record(z.string(), workloadDaySchema),
  }),
  (r) => ({ PK: `${clusterPk(r.orgId, r.clusterId)}#WLROLLUP`, SK: `${r.workloadKey}#MONTH#${r.month}` }),
  // Kept 35 days after the month ends.
  (r) => expiresFrom(nextMonthStart(r.month)),
);
const nextMonthStart = (month: string) => {
  const [y = 1970, m = 1] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
};
export const workloadRollupsQuery = (orgId: string, clusterId: string, workloadKey?: string) => ({
  pk: `${clusterPk(orgId, clusterId)}#WLROLLUP`,
  ...(workloadKey ? { skPrefix: `${workloadKey}#MONTH#` } : {}),
});
