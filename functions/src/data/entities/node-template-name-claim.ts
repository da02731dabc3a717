import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

/** Template names are unique per organization (case-insensitive): a conditional put on this item. */
export const nodeTemplateNameKey = (orgId: string, name: string) => ({
  PK: orgPk(orgId),
  SK: `TEMPLATENAME#${name.trim().toLowerCase()}`,
});
/** The claim item itself: which template holds the name. */
export const nodeTemplateNameClaimEntity = defineEntity(
  'NodeTemplateNameClaim',
  z.object({ orgId: z.string(), name: z.string(), templateId: z.string() }),
  (c) => nodeTemplateNameKey(c.orgId, c.name),
);
