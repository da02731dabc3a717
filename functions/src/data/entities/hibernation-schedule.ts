import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey } from './organization';

/** When a cluster sleeps: a weekly grid in its time zone. */
export const hibernationScheduleEntity = defineEntity(
  'HibernationSchedule',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    timeZone: z.string(),
    /** 7 x 24 cells, Monday first, true = active. */
    weeklyActive: z.array(z.array(z.boolean()).length(24)).length(7),
    preWarmMinutes: z.number().int().nonnegative(),
    enabled: z.boolean(),
    /** Sizes before hibernation, restored exactly on wake. */
    savedSizes: z
      .record(z.string(), z.object({ min: z.number(), desired: z.number(), max: z.number() }))
      .default({}),
    keepAwakeUntil: z.string().nullable().default(null),
    updatedAt: z.string(),
  }),
  (s) => hibernationScheduleKey(s.orgId, s.clusterId),
);
export const hibernationScheduleKey = orgItemKey('SCHEDULE');
