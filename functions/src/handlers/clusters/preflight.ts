import { apiContracts } from '@spot/shared';
import { preflight } from '../../domain/cluster-onboarding';
import { httpHandler } from '../../http/handler';

/** Pre-flight of the agent install: the IAM actions tried in the customer's account, the missing named. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/preflight'],
    audit: { action: 'cluster.preflight', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const result = await preflight(caller.orgId, path.id, now);
    audit.after = { ok: result.ok, missing: result.missing };
    return { body: result };
  },
);
