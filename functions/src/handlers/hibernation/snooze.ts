import { apiContracts } from '@spot/shared';
import { confirmSnooze } from '../../domain/hibernation-snooze';
import { httpHandler } from '../../http/handler';

/**
 * The confirmed Snooze: the link's signed token is the credential (no sign-in); it works once. Audited in
 * the organization the token names, with the link's recipient as the actor.
 */
export const handler = httpHandler(
  {
    auth: 'public',
    contract: apiContracts['POST /api/public/hibernation/snooze'],
    audit: { action: 'hibernation.snooze', resourceType: 'cluster' },
  },
  async ({ body, now, audit }) => ({ body: await confirmSnooze(body.token, now, audit) }),
);
