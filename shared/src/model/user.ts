import { z } from 'zod';
import { displayNameSchema } from './text';

export const userRoles = ['admin', 'client'] as const;
export const userRoleSchema = z.enum(userRoles);
export type UserRole = z.infer<typeof userRoleSchema>;

/**
 * The password policy, enforced by Cognito and shown live in the sign-up form. Kept here so the user
 * pool (infra), cognito-local (local stack) and the form all use the same rules.
 */
export const passwordPolicy = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

export interface PasswordRuleResult {
  rule: string;
  ok: boolean;
}

/** Each rule of {@link passwordPolicy} and whether `password` meets it, in display order. */
export function checkPassword(password: string): PasswordRuleResult[] {
  return [
    {
      rule: `At least ${passwordPolicy.minLength} characters`,
      ok: password.length >= passwordPolicy.minLength,
    },
    { rule: 'A lowercase letter', ok: /[a-z]/.test(password) },
    { rule: 'An uppercase letter', ok: /[A-Z]/.test(password) },
    { rule: 'A digit', ok: /\d/.test(password) },
    { rule: 'A symbol', ok: /[^A-Za-z0-9]/.test(password) },
  ];
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter a valid email address, e.g. alice@example.com.'));

export const passwordSchema = z
  .string()
  .max(256, 'Use at most 256 characters.')
  .refine((p) => checkPassword(p).every((r) => r.ok), {
    message: `Use at least ${passwordPolicy.minLength} characters with a lowercase and an uppercase letter, a digit and a symbol.`,
  });

export const signUpInputSchema = z.object({
  organizationName: displayNameSchema({
    min: 2,
    max: 100,
    tooShort: 'Enter an organization name of at least 2 characters.',
    tooLong: 'Keep the organization name to 100 characters or fewer.',
  }),
  email: emailSchema,
  password: passwordSchema,
});
export type SignUpInput = z.infer<typeof signUpInputSchema>;

export const signInInputSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, 'Enter your password.').max(256),
});
export type SignInInput = z.infer<typeof signInInputSchema>;
