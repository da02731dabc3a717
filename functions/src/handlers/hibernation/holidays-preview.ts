import { apiContracts } from '@spot/shared';
import { previewHolidays } from '../../domain/hibernation-holidays';
import { httpHandler } from '../../http/handler';

/** Public holidays of a country (and region) for a year, as holiday overrides; nothing is saved. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/hibernation/holidays/preview'] },
  async ({ body }) => ({ body: previewHolidays(body) }),
);
