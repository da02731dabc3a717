import { apiContracts } from '@spot/shared';
import { describeCaller } from '../../domain/me';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/me'] },
  async ({ caller }) => ({ body: await describeCaller(caller) }),
);
