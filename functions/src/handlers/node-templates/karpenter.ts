import { apiContracts } from '@spot/shared';
import { renderTemplate } from '../../domain/node-template-render';
import { httpHandler } from '../../http/handler';

/** The template rendered as Karpenter v1 NodePool + EC2NodeClass (JSON and YAML) and an ASG policy. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/node-templates/{id}/karpenter'] },
  async ({ caller, path, query }) => ({ body: await renderTemplate(caller.orgId, path.id, query) }),
);
