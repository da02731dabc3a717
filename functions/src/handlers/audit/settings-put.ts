import { apiContracts } from '@spot/shared';
import { saveAuditSettings } from '../../domain/audit-settings';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/**
 * Save from the version read (409 with the current settings otherwise); secrets are sealed, never echoed.
 * A retention change starts the re-stamp of existing records (ADR 0029).
 */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/audit/settings'],
    audit: { action: 'audit.settings.update', resourceType: 'audit-settings' },
  },
  async ({ caller, body, now, audit }) => {
    audit.target = 'audit-settings';
    const { before, settings } = await saveAuditSettings(
      caller.orgId,
      body,
      caller,
      { keys: port('keyService'), workflows: port('workflows') },
      now,
    );
    Object.assign(audit, { before, after: settings });
    return { body: settings };
  },
);
