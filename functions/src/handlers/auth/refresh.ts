import { apiContracts } from '@spot/shared';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['POST /api/auth/refresh'] },
  async ({ body }) => {
    const { accessToken, idToken, expiresIn } = await port('identity').refresh(body.refreshToken);
    return { body: { accessToken, idToken, expiresIn } };
  },
);
