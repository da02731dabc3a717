import { apiContracts } from '@spot/shared';
import { getAuditSettings } from '../../domain/audit-settings';
import { httpHandler } from '../../http/handler';

/** Retention and SIEM destinations (never their secrets; `hasSecret` says one is stored). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit/settings'] },
  async ({ caller }) => ({ body: await getAuditSettings(caller.orgId) }),
);
