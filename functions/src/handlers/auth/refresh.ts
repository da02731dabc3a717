import { apiContracts } from '@spot/shared';
import { issueAcceptedTokens } from '../../domain/session';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['POST /api/auth/refresh'] },
  async ({ body }) => {
    const { accessToken, idToken, expiresIn } = await issueAcceptedTokens(
      () => port('identity').refresh(body.refreshToken),
      port('clock'),
    );
    return { body: { accessToken, idToken, expiresIn } };
  },
);
