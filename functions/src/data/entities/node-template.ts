import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * A node template the user configures (instance families, architecture, capacity type, disk, security
 * groups), per organization. `spec` holds the shared contract's NodeTemplateSpec, parsed on the way out.
 */
export const nodeTemplateEntity = defineEntity(
  'NodeTemplate',
  z.object({
    orgId: z.string(),
    templateId: z.string(),
    name: z.string(),
    description: z.string().default(''),
    isDefault: z.boolean(),
    /** Optimistic locking: an update names the version it edited. */
    version: z.number().int().positive(),
    spec: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  (t) => nodeTemplateKey(t.orgId, t.templateId),
);
export const nodeTemplateKey = orgItemKey('TEMPLATE');
export const nodeTemplatesQuery = orgItemsQuery('TEMPLATE');
