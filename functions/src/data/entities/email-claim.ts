import { z } from 'zod';
import { defineEntity } from '../entity';

/**
 * One item per email address. Sign-up first reserves it with a conditional put (so of two concurrent
 * sign-ups with one email exactly one goes on), then completes it in the transaction that creates the
 * organization. A reservation left by a crashed sign-up can be taken over after `staleReservationMs`.
 */
export const emailClaimEntity = defineEntity(
  'EmailClaim',
  z.object({
    email: z.string(),
    status: z.enum(['reserved', 'complete']),
    attemptId: z.string(),
    reservedAt: z.string(),
    orgId: z.string().nullable(),
    userId: z.string().nullable(),
  }),
  (e) => emailClaimKey(e.email),
);
export const emailClaimKey = (email: string) => ({ PK: `EMAIL#${email.toLowerCase()}`, SK: 'EMAIL' });
export const staleReservationMs = 5 * 60_000;
