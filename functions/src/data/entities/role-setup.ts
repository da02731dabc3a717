import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

const dayS = 86_400;

/** A per-connection External ID handed out by role-setup; it expires if the connection never completes. */
export const roleSetupEntity = defineEntity(
  'RoleSetup',
  z.object({
    orgId: z.string(),
    externalId: z.string(),
    awsAccountId: z.string(),
    region: z.string(),
    createdAt: z.string(),
  }),
  (r) => roleSetupKey(r.orgId, r.externalId),
  (r) => Math.floor(Date.parse(r.createdAt) / 1000) + 7 * dayS,
);
export const roleSetupKey = (orgId: string, externalId: string) => ({
  PK: orgPk(orgId),
  SK: `ROLESETUP#${externalId}`,
});
