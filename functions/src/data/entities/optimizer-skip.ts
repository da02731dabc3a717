import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * Why an automatic action on a cluster was last skipped (ADR 0046): the Karpenter reconcile trigger
 * (`subject` = `karpenter`) and the spot fallback of each Auto Scaling group (`asg:<name>`). A skip is
 * audited when its reason changes (a conditional Put decides, so two concurrent syncs audit it once);
 * the item goes when the action runs again. `fallback` is the spot fallback's record of a group it
 * switched to on-demand: since when, and the distribution to put back.
 */
export const optimizerSkipEntity = defineEntity(
  'OptimizerSkip',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    subject: z.string(),
    /** A stable code (`maintenance`, `agent-not-in-write-mode`, `access-denied`, ...); null: not skipped. */
    reason: z.string().nullable(),
    message: z.string().nullable(),
    at: z.string(),
    fallback: z
      .object({
        since: z.string(),
        original: z.object({
          onDemandBaseCapacity: z.number().int().nonnegative(),
          onDemandPercentageAboveBase: z.number().int().min(0).max(100),
        }),
      })
      .nullable()
      .default(null),
  }),
  (s) => optimizerSkipKey(s.orgId, s.clusterId, s.subject),
);
export const optimizerSkipKey = (orgId: string, clusterId: string, subject: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `OPTIMIZER#${subject}`,
});
export const optimizerSkipsQuery = (orgId: string, clusterId: string, subjectPrefix = '') => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: `OPTIMIZER#${subjectPrefix}`,
});
