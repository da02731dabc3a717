import { z } from 'zod';
import { defineEntity } from '../entity';

/** A per-cluster agent token, stored as its SHA-256 only: the ingestion route looks it up by hash. */
export const agentTokenEntity = defineEntity(
  'AgentToken',
  z.object({
    tokenSha256: z.string(),
    orgId: z.string(),
    clusterId: z.string(),
    createdAt: z.string(),
    createdBy: z.string().nullable().default(null),
  }),
  (t) => agentTokenKey(t.tokenSha256),
);
export const agentTokenKey = (tokenSha256: string) => ({ PK: `AGENTTOKEN#${tokenSha256}`, SK: 'TOKEN' });
