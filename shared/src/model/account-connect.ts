import { z } from 'zod';
import { accountNameSchema, awsAccountIdSchema, awsRegionSchema } from './account';

/**
 * Cloud Connect: the input rules of the role setup and of both connect methods. The API parses requests
 * with them and the SPA's connect forms check the same rules while the user types.
 */

export const externalIdSchema = z
  .string()
  .trim()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'Use the External ID shown by the role setup step (a lowercase UUID).',
  );

export const roleArnSchema = z
  .string()
  .trim()
  .regex(
    /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'A role ARN looks like arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-3f2b9c1e.',
  );

export const accessKeyIdSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Z0-9]{16,128}$/,
    'An access key id is 20 capital letters and digits, e.g. AKIAIOSFODNN7EXAMPLE.',
  )
  .refine((v) => !v.startsWith('ASIA'), {
    message: 'Temporary (ASIA…) keys expire within hours; use a long-lived access key (AKIA…).',
  });

export const secretAccessKeySchema = z
  .string()
  .trim()
  .regex(/^\S{16,128}$/, 'A secret access key is 40 characters without spaces.');

/** `POST /api/client/accounts/role-setup`. */
export const roleSetupInputSchema = z.object({
  awsAccountId: awsAccountIdSchema,
  region: awsRegionSchema,
  /** Opt in to the template's write policy (hibernation, scaling). Off unless asked for. */
  enableWriteActions: z.boolean().default(false),
});
export type RoleSetupInput = z.infer<typeof roleSetupInputSchema>;

/** The External ID of one connection and its CloudFormation quick-create link. */
export const roleSetupResponseSchema = z.object({
  externalId: z.string(),
  quickCreateUrl: z.string(),
  templateUrl: z.string(),
  platformPrincipalArn: z.string(),
  /** The CloudFormation stack name the link proposes. */
  stackName: z.string(),
  /** The role the template creates for this External ID (its name derives from the id). */
  roleArn: z.string(),
  expiresAt: z.string(),
});
export type RoleSetup = z.infer<typeof roleSetupResponseSchema>;

/** `POST /api/client/accounts/connect`: Verify (role) or Connect (access keys). */
export const connectInputSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('role'),
    awsAccountId: awsAccountIdSchema,
    region: awsRegionSchema,
    roleArn: roleArnSchema,
    externalId: externalIdSchema,
    name: accountNameSchema.optional(),
  }),
  z.object({
    method: z.literal('access-key'),
    region: awsRegionSchema,
    accessKeyId: accessKeyIdSchema,
    secretAccessKey: secretAccessKeySchema,
    awsAccountId: awsAccountIdSchema.optional(),
    name: accountNameSchema.optional(),
  }),
]);
export type ConnectInput = z.infer<typeof connectInputSchema>;
