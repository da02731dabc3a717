import { apiContracts } from '@spot/shared';
import { getHibernation } from '../../domain/hibernation';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/hibernation'] },
  async ({ caller, path, now }) => ({ body: await getHibernation(caller.orgId, path.id, now) }),
);
