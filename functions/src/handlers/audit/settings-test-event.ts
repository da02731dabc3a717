import { apiContracts } from '@spot/shared';
import { sendAuditTestEvent } from '../../domain/audit-settings';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** "Send test event": one record to a saved destination; the attempt itself is audited with its result. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/audit/settings/test-event'],
    audit: { action: 'audit.settings.test-event', resourceType: 'audit-settings' },
  },
  async ({ caller, body, now, audit }) => {
    audit.target = `audit-destination/${body.destinationId}`;
    const ports = { keys: port('keyService'), siem: port('siem'), cloud: port('cloud') };
    const result = await sendAuditTestEvent(caller.orgId, body.destinationId, caller, ports, now);
    audit.after = result;
    return { body: result };
  },
);
