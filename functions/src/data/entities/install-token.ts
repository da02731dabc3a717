import { z } from 'zod';
import { defineEntity } from '../entity';

/**
 * A short-lived install token of the Add Cluster wizard (ADR 0051), stored as its SHA-256 only. The agent's
 * first push redeems it once: a conditional update (`redeemedAt` absent, not expired) that in the same
 * transaction makes it the cluster's agent token. DynamoDB's TTL removes it a day after it expires.
 */
export const installTokenEntity = defineEntity(
  'InstallToken',
  z.object({
    tokenSha256: z.string(),
    orgId: z.string(),
    clusterId: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAtIso: z.string(),
    redeemedAt: z.string().nullable().default(null),
  }),
  (t) => installTokenKey(t.tokenSha256),
  (t) => Math.floor(Date.parse(t.expiresAtIso) / 1000) + 86_400,
);
export const installTokenKey = (tokenSha256: string) => ({ PK: `INSTALLTOKEN#${tokenSha256}`, SK: 'TOKEN' });
