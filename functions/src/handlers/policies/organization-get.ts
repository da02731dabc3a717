import { apiContracts } from '@spot/shared';
import { getPolicy } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/policy'] },
  async ({ caller }) => ({ body: await getPolicy(caller.orgId, { level: 'organization' }) }),
);
