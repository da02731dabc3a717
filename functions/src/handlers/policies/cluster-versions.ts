import { apiContracts } from '@spot/shared';
import { listPolicyVersions } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/policy/versions'] },
  async ({ caller, path }) => ({
    body: await listPolicyVersions(caller.orgId, { level: 'cluster', id: path.id }),
  }),
);
