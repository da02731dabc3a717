import { apiContracts } from '@spot/shared';
import { previewPolicy } from '../../domain/policy-preview';
import { httpHandler } from '../../http/handler';

/** Savings per card of the cluster under a draft of its overrides; nothing is written. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/clusters/{id}/policy/preview'] },
  async ({ caller, path, body, now }) => ({
    body: await previewPolicy(caller.orgId, path.id, body.policy, now),
  }),
);
