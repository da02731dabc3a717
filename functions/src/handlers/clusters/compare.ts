import { apiContracts } from '@spot/shared';
import { compareRegistry } from '../../domain/cluster-registry';
import { httpHandler } from '../../http/handler';

/** Two to six clusters side by side (read only: nothing is audited). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/clusters/compare'] },
  async ({ caller, body, now }) => ({ body: await compareRegistry(caller.orgId, body.ids, now) }),
);
