import { userRoleSchema } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

export const userProfileEntity = defineEntity(
  'UserProfile',
  z.object({
    userId: z.string(),
    orgId: z.string(),
    email: z.string(),
    role: userRoleSchema,
    createdAt: z.string(),
    /** Epoch seconds: access tokens issued before this (the second after the last sign-out) are refused. */
    tokensRevokedBefore: z.number().int().nullable().default(null),
  }),
  (u) => ({ PK: `USER#${u.userId}`, SK: 'PROFILE', GSI1PK: orgPk(u.orgId), GSI1SK: `USER#${u.userId}` }),
);
/** The caller's profile by the token's subject: how every request finds its organization. */
export const userProfileKey = (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' });
export const usersOfOrgQuery = (orgId: string) => ({
  index: 'GSI1' as const,
  pk: orgPk(orgId),
  skPrefix: 'USER#',
});
