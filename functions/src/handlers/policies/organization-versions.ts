import { apiContracts } from '@spot/shared';
import { listPolicyVersions } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/policy/versions'] },
  async ({ caller }) => ({ body: await listPolicyVersions(caller.orgId, { level: 'organization' }) }),
);
