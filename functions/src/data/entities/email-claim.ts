import { z } from 'zod';
import { defineEntity } from '../entity';

/** One item per email address: the conditional put that makes concurrent sign-ups with one email collide. */
export const emailClaimEntity = defineEntity(
  'EmailClaim',
  z.object({ email: z.string(), orgId: z.string(), userId: z.string(), createdAt: z.string() }),
  (e) => emailClaimKey(e.email),
);
export const emailClaimKey = (email: string) => ({ PK: `EMAIL#${email.toLowerCase()}`, SK: 'EMAIL' });
