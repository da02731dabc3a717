import { apiContracts } from '@spot/shared';
import { httpHandler } from '../http/handler';

/** Liveness of the API; no auth, no table access. */
export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['GET /api/health'] },
  async ({ now }) => ({ body: { status: 'ok', time: now.toISOString() } }),
);
