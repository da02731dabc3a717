import { apiContracts } from '@spot/shared';
import { listOrganizationsForAdmin } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

/** Platform admins only (the `admin` Cognito group): every organization, read-only. */
export const handler = httpHandler(
  { auth: 'admin', contract: apiContracts['GET /api/admin/organizations'] },
  async () => ({ body: { items: await listOrganizationsForAdmin() } }),
);
