import { apiContracts } from '@spot/shared';
import { agentManifest } from '../../domain/agent-manifest';
import { httpHandler } from '../../http/handler';

/** The agent's plain manifest for `curl … | sed … | kubectl apply -f -`; public, no secret in it. */
export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['GET /api/agent/manifest.yaml'] },
  async () => ({ file: await agentManifest() }),
);
