import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './inventory';
import { orgPk } from './organization';

/** What the user configures: node templates, per-cluster policies, hibernation schedules and overrides. */
export const nodeTemplateEntity = defineEntity(
  'NodeTemplate',
  z.object({
    orgId: z.string(),
    templateId: z.string(),
    name: z.string(),
    description: z.string().default(''),
    isDefault: z.boolean(),
    spec: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  (t) => nodeTemplateKey(t.orgId, t.templateId),
);
export const nodeTemplateKey = (orgId: string, templateId: string) => ({
  PK: orgPk(orgId),
  SK: `TEMPLATE#${templateId}`,
});
export const nodeTemplatesQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'TEMPLATE#' });
/** Template names are unique per organization (case-insensitive): a conditional put on this item. */
export const nodeTemplateNameKey = (orgId: string, name: string) => ({
  PK: orgPk(orgId),
  SK: `TEMPLATENAME#${name.trim().toLowerCase()}`,
});

export const policyEntity = defineEntity(
  'ClusterPolicy',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    /** Optimistic locking: a save names the version it edited. */
    version: z.number().int().positive(),
    document: z.record(z.string(), z.unknown()),
    updatedAt: z.string(),
    updatedBy: z.string(),
  }),
  (p) => policyKey(p.orgId, p.clusterId),
);
export const policyKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `POLICY#${clusterId}`,
});

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
export const hibernationScheduleKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `SCHEDULE#${clusterId}`,
});

export const hibernationOverrideEntity = defineEntity(
  'HibernationOverride',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    kind: z.enum(['holiday', 'sprint-day']),
    label: z.string(),
  }),
  (o) => ({ PK: clusterPk(o.orgId, o.clusterId), SK: `OVERRIDE#${o.date}` }),
);
export const hibernationOverridesQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'OVERRIDE#',
});
