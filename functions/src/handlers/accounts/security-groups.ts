import { apiContracts } from '@spot/shared';
import { listSecurityGroups } from '../../domain/security-groups';
import { httpHandler } from '../../http/handler';

/** The account's security groups in `region`, read live from its AWS account (template wizard, step 4). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/accounts/{id}/security-groups'] },
  async ({ caller, path, query }) => ({
    body: { items: await listSecurityGroups(caller.orgId, path.id, query.region) },
  }),
);
