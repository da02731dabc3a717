import { apiContracts } from '@spot/shared';
import { listRegistry } from '../../domain/cluster-registry';
import { httpHandler } from '../../http/handler';

/** One page of the registry: sorted by any column, filtered, with a cursor (ADR 0045). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters'] },
  async ({ caller, query, now }) => ({ body: await listRegistry(caller.orgId, query, now) }),
);
