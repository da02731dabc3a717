import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * The command channel of one cluster's agent: when it last fetched commands. Only an agent in write mode
 * fetches, so a recent poll is how the server knows the agent can act (ADR 0037). Its own small item: the
 * Cluster item carries its whole summary, and a write costs by the size of the item written.
 */
export const agentChannelEntity = defineEntity(
  'AgentChannel',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    lastPollAt: z.string(),
  }),
  (c) => agentChannelKey(c.orgId, c.clusterId),
);
export const agentChannelKey = (orgId: string, clusterId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: 'AGENTCHANNEL',
});
