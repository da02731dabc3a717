import { listOrganizationsForAdmin } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

/** Platform admins only (the `admin` Cognito group): every organization, read-only. */
export const handler = httpHandler({ auth: 'admin' }, async () => ({
  body: { items: await listOrganizationsForAdmin() },
}));
