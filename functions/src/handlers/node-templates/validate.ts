import { apiContracts } from '@spot/shared';
import { validateDraft } from '../../domain/node-template-validate';
import { httpHandler } from '../../http/handler';

/** The wizard's live check: conflicts, allowed instance types and the cost estimate; nothing is saved. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/node-templates/validate'] },
  async ({ caller, body, query }) => ({ body: await validateDraft(caller.orgId, body, query) }),
);
