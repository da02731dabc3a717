import { apiContracts } from '@spot/shared';
import { listHibernation } from '../../domain/hibernation';
import { httpHandler } from '../../http/handler';

/** Every cluster with its hibernation state and this month's savings. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/hibernation'] },
  async ({ caller, now }) => ({ body: await listHibernation(caller.orgId, now) }),
);
