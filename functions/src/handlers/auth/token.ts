import { apiContracts } from '@spot/shared';
import { issueAcceptedTokens } from '../../domain/session';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['POST /api/auth/token'] },
  async ({ body }) => ({
    body: await issueAcceptedTokens(() => port('identity').signIn(body.email, body.password), port('clock')),
  }),
);
