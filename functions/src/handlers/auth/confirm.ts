import { apiContracts } from '@spot/shared';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['POST /api/auth/confirm'] },
  async ({ body }) => {
    await port('identity').confirmUser(body.email, body.code);
    return { statusCode: 204 };
  },
);
