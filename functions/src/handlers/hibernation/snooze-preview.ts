import { apiContracts } from '@spot/shared';
import { previewSnooze } from '../../domain/hibernation-snooze';
import { httpHandler } from '../../http/handler';

/** What a notice's Snooze link would do, for its confirmation page; a GET never acts (mail scanners open links). */
export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['GET /api/public/hibernation/snooze'] },
  async ({ query, now }) => ({ body: await previewSnooze(query.token, now) }),
);
