import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey } from './organization';

/** How long an External ID handed out by role setup may be used to connect. */
export const roleSetupTtlDays = 7;

/**
 * A per-connection External ID handed out by role-setup, for one AWS account id. Connecting consumes
 * it (deleted in the connect transaction); if the connection never completes it expires through TTL.
 */
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
  (r) => Math.floor(Date.parse(r.createdAt) / 1000) + roleSetupTtlDays * 86_400,
);
export const roleSetupKey = orgItemKey('ROLESETUP');
