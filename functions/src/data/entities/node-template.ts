import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

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
export const nodeTemplateKey = (orgId: string, templateId: string) => ({
  PK: orgPk(orgId),
  SK: `TEMPLATE#${templateId}`,
});
export const nodeTemplatesQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'TEMPLATE#' });
