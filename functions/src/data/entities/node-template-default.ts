import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

/**
 * Which template is the organization's default: one item, so that moving the default is a transaction
 * conditioned on the pointer we read (two concurrent "set default" calls cannot both win and leave two
 * templates flagged).
 */
export const nodeTemplateDefaultKey = (orgId: string) => ({ PK: orgPk(orgId), SK: 'TEMPLATEDEFAULT' });
export const nodeTemplateDefaultEntity = defineEntity(
  'NodeTemplateDefault',
  z.object({ orgId: z.string(), templateId: z.string(), updatedAt: z.string() }),
  (d) => nodeTemplateDefaultKey(d.orgId),
);
