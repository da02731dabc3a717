import { apiContracts } from '@spot/shared';
import { getResourceGap } from '../../domain/dashboard';
import { httpHandler } from '../../http/handler';

/** Capacity, requests and usage of CPU or memory over 24 h, 7 d or 30 d, summed over the clusters in scope. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/dashboard/resource-gap'] },
  async ({ caller, query, now }) => ({
    body: await getResourceGap(caller.orgId, query, now),
  }),
);
