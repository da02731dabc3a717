import { z } from 'zod';
import { emailSchema } from './user';

/** Sign-up, confirmation, sign-in, refresh and sign-out (`/api/auth/*`). */

/** `POST /api/auth/signup`: the new user, organization and its placeholder account. */
export const signUpResponseSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  accountId: z.string(),
  confirmationRequired: z.boolean(),
});
export type SignUpResponse = z.infer<typeof signUpResponseSchema>;

/** `POST /api/auth/confirm`: the code Cognito emailed at sign-up. */
export const confirmSignUpInputSchema = z.object({
  email: emailSchema,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from the email.'),
});
export type ConfirmSignUpInput = z.infer<typeof confirmSignUpInputSchema>;

/** `POST /api/auth/token`: the Cognito tokens of a session; `expiresIn` in seconds. */
export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  idToken: z.string(),
  refreshToken: z.string().min(1),
  expiresIn: z.number().positive(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * Sign-out revokes every access token of the user issued up to and including its own second: tokens
 * carry whole seconds (`iat`), so "issued before the sign-out instant" cannot be told apart from "issued
 * in the same second just after it", and refusing both is the safe side. Returns the first `iat` still
 * accepted (epoch seconds).
 */
export function tokensRevokedBeforeOf(signedOutAt: Date): number {
  return Math.floor(signedOutAt.getTime() / 1000) + 1;
}

/** Whether an access token issued at `issuedAtSeconds` falls under a sign-out (`revokedBefore`, epoch s). */
export function isAccessTokenRevoked(issuedAtSeconds: number, revokedBefore: number | null): boolean {
  return revokedBefore !== null && issuedAtSeconds < revokedBefore;
}

/**
 * How long a sign-in or refresh must wait before asking for tokens again when the directory issued them
 * in the second of a sign-out (they would be refused at once): until the revoked second is over, in ms;
 * 0 when the tokens are not revoked.
 */
export function reissueDelayMs(issuedAtSeconds: number, revokedBefore: number | null, now: Date): number {
  if (!isAccessTokenRevoked(issuedAtSeconds, revokedBefore) || revokedBefore === null) return 0;
  return Math.max(0, revokedBefore * 1000 - now.getTime());
}

/** `POST /api/auth/refresh`. */
/** Cognito refresh tokens are about 1,800 characters; anything far longer is not one. */
const refreshTokenSchema = z
  .string()
  .min(20, 'Send the refresh token you received at sign-in.')
  .max(8192, 'This is not a refresh token (too long): send the one you received at sign-in.');

export const refreshInputSchema = z.object({ refreshToken: refreshTokenSchema });
export type RefreshInput = z.infer<typeof refreshInputSchema>;

/** New access and id tokens; the refresh token stays the one sent. `expiresIn` in seconds. */
export const refreshResponseSchema = z.object({
  accessToken: z.string().min(1),
  idToken: z.string(),
  expiresIn: z.number().positive(),
});
export type RefreshResponse = z.infer<typeof refreshResponseSchema>;

/** `POST /api/auth/signout`: the session's refresh token, revoked in Cognito when given. */
export const signOutInputSchema = z.object({ refreshToken: refreshTokenSchema.optional() });
export type SignOutInput = z.infer<typeof signOutInputSchema>;
