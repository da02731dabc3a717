import { defaultAgentImageRepository } from '@spot/shared';
import { optionalEnv } from './env';

/**
 * The image repository the served agent manifest and chart name: `AGENT_IMAGE_REPOSITORY` (the CDK stack
 * sets it from `-c agentImageRepository=…`, checked at synth), else the public default.
 */
export const agentImageRepository = (): string =>
  optionalEnv('AGENT_IMAGE_REPOSITORY') ?? defaultAgentImageRepository;
