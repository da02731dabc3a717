import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/** A node template the user configures (instance families, capacity type, labels), per organization. */
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
export const nodeTemplateKey = orgItemKey('TEMPLATE');
export const nodeTemplatesQuery = orgItemsQuery('TEMPLATE');
