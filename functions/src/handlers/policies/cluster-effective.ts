import { apiContracts } from '@spot/shared';
import { getEffectivePolicy } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

/** The cluster's effective policy (organization ⊕ account ⊕ cluster) and the level that set each field. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/policy/effective'] },
  async ({ caller, path }) => ({ body: await getEffectivePolicy(caller.orgId, path.id) }),
);
