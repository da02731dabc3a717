import { accountStatusSchema, connectionMethodSchema, userRoleSchema } from '@spot/shared';
import { z } from 'zod';

// Response bodies of the routes in functions/src/routes.ts, parsed at the SPA's boundary. They mirror the
// handlers' contracts; when the handlers publish their schemas in `shared/`, these should import them.

export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  idToken: z.string(),
  refreshToken: z.string().min(1),
  expiresIn: z.number().positive(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const refreshResponseSchema = z.object({
  accessToken: z.string().min(1),
  idToken: z.string(),
  expiresIn: z.number().positive(),
  refreshToken: z.string().min(1).optional(),
});

export const signUpResponseSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  confirmationRequired: z.boolean(),
});
export type SignUpResponse = z.infer<typeof signUpResponseSchema>;

export const meSchema = z.object({
  userId: z.string(),
  email: z.string(),
  role: userRoleSchema,
  orgId: z.string().nullish(),
  organizationName: z.string().nullish(),
  onboardingWizardSeen: z.boolean().default(false),
});
export type Me = z.infer<typeof meSchema>;

export const accountSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Null for the placeholder account created at sign-up, before any AWS account is linked. */
  awsAccountIdMasked: z.string().nullish(),
  region: z.string().nullish(),
  method: connectionMethodSchema.nullish(),
  status: accountStatusSchema,
  statusReason: z.string().nullish(),
});
export type AccountSummary = z.infer<typeof accountSummarySchema>;

export const accountListSchema = z.object({ items: z.array(accountSummarySchema) });

/** `POST /api/client/accounts/role-setup`: the External ID of one connection and its CloudFormation link. */
export const roleSetupResponseSchema = z.object({
  externalId: z.string(),
  quickCreateUrl: z.string(),
  templateUrl: z.string(),
  platformPrincipalArn: z.string().optional(),
  /** The role the template creates for this External ID (its name derives from the id). */
  roleArn: z.string().optional(),
  expiresAt: z.string().optional(),
});
export type RoleSetup = z.infer<typeof roleSetupResponseSchema>;

// The admin route reuses the handlers' account view, which names the id `id`; `accountId` is the name the
// admin contract gives it. Accept either so the console does not break while the two converge.
const withAccountId = (value: unknown) =>
  typeof value === 'object' && value !== null && !('accountId' in value) && 'id' in value
    ? { ...value, accountId: value.id }
    : value;

export const adminAccountSchema = z.preprocess(
  withAccountId,
  z.object({
    accountId: z.string(),
    name: z.string(),
    awsAccountIdMasked: z.string().nullish(),
    region: z.string().nullish(),
    status: accountStatusSchema,
    lastDiscoveryAt: z.string().nullish(),
  }),
);
export type AdminAccount = z.infer<typeof adminAccountSchema>;

export const adminOrganizationSchema = z.object({
  orgId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  accounts: z.array(adminAccountSchema),
});
export type AdminOrganization = z.infer<typeof adminOrganizationSchema>;

export const adminOrganizationListSchema = z.object({ items: z.array(adminOrganizationSchema) });
