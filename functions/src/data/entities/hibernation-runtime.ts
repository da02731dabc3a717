import { manualOverrideSchema } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

const sizeSchema = z.object({
  minSize: z.number().int().nonnegative(),
  desiredSize: z.number().int().nonnegative(),
  maxSize: z.number().int().nonnegative(),
  /** Karpenter NodePools: `spec.limits.cpu` (`null`: none). */
  cpuLimit: z.string().nullable().optional(),
});

/**
 * What hibernation did to a cluster: the sizes each sleeping node group had before (restored exactly on
 * wake) and the sizes the sleep set (a group changed by hand since is left alone), a person's manual
 * wake / sleep, and the sleep periods the month's savings are computed from. Written only by runs, each
 * conditioned on the `revision` it read, so two runs of one transition (a duplicated delivery) cannot both
 * act on the same record.
 */
export const hibernationRuntimeEntity = defineEntity(
  'HibernationRuntime',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    revision: z.number().int().positive(),
    /** What the last run left the groups in. */
    actual: z.enum(['running', 'sleeping']),
    records: z.record(z.string(), z.object({ size: sizeSchema, sleptAs: sizeSchema })),
    manualOverride: manualOverrideSchema.nullable(),
    sleepPeriods: z.array(
      z.object({ from: z.string(), to: z.string().nullable(), savedUsdPerHour: z.number().nonnegative() }),
    ),
    savingsRateUsdPerHour: z.number().nonnegative(),
    lastRunAt: z.string(),
    /** When the armed schedule fires next (`null`: none armed). */
    nextRunAt: z.string().nullable(),
  }),
  (r) => hibernationRuntimeKey(r.orgId, r.clusterId),
);
export const hibernationRuntimeKey = orgItemKey('HIBRUNTIME');
export const hibernationRuntimesQuery = orgItemsQuery('HIBRUNTIME');
