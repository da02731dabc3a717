import { z } from 'zod';
import { defineEntity } from '../entity';

export const orgPk = (orgId: string) => `ORG#${orgId}`;

/** The key builder of an item in the organization's own partition: `ORG#<orgId>` / `<prefix>#<id>`. */
export const orgItemKey =
  (prefix: string) =>
  (orgId: string, id: string): { PK: string; SK: string } => ({ PK: orgPk(orgId), SK: `${prefix}#${id}` });

/** Every item of one type in the organization's partition (`begins_with(SK, '<prefix>#')`). */
export const orgItemsQuery = (prefix: string) => (orgId: string) => ({
  pk: orgPk(orgId),
  skPrefix: `${prefix}#`,
});

export const organizationEntity = defineEntity(
  'Organization',
  z.object({
    orgId: z.string(),
    name: z.string(),
    createdAt: z.string(),
    /** Kept on the server so the first-run wizard shows once per organization, whatever the browser. */
    onboardingWizardSeenAt: z.string().nullable().default(null),
  }),
  (o) => ({ PK: orgPk(o.orgId), SK: 'ORG', GSI2PK: 'ORGS', GSI2SK: `${o.createdAt}#${o.orgId}` }),
);
export const organizationKey = (orgId: string) => ({ PK: orgPk(orgId), SK: 'ORG' });
export const allOrganizationsQuery = { index: 'GSI2' as const, pk: 'ORGS' };
