import { z } from 'zod';
import { accountViewSchema } from './account';

/** `GET /api/admin/organizations`: every organization with its accounts (platform admins, read-only). */
export const adminOrganizationSchema = z.object({
  orgId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  accounts: z.array(accountViewSchema),
});
export type AdminOrganization = z.infer<typeof adminOrganizationSchema>;
export type AdminAccount = AdminOrganization['accounts'][number];

export const adminOrganizationListSchema = z.object({ items: z.array(adminOrganizationSchema) });
export type AdminOrganizationList = z.infer<typeof adminOrganizationListSchema>;
