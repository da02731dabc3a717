import { renderAgentManifest } from '@spot/shared';
import { agentImageRepository } from '../lib/agent-image';
import { readAgentManifest } from '../lib/agent-manifest-file';
import { port } from '../ports';

/**
 * `GET /api/agent/manifest.yaml`: the agent's plain manifest with this deployment's URL in it, which the
 * kubectl install command fetches, naming the deployment's agent image. The same file for everyone (no cluster, no token), so it is public.
 */
export async function agentManifest(): Promise<{ contentType: string; text: string; fileName: string }> {
  const apiUrl = await port('site').appUrl();
  return {
    contentType: 'application/yaml; charset=utf-8',
    text: renderAgentManifest(readAgentManifest(), apiUrl, agentImageRepository()),
    fileName: 'spot-optimizer-agent.yaml',
  };
}
