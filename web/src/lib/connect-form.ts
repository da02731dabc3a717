import { awsAccountIdSchema, awsRegionSchema } from '@spot/shared';
import { z } from 'zod';

// The connect forms check what the API checks (functions/src/domain/connect.ts), field by field, so a
// mistake shows while typing instead of after a round trip. Empty optional fields mean "not given".

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const accountNameField = z
  .string()
  .trim()
  .min(1, 'Give the account a name.')
  .max(60, 'Keep the name to 60 characters or fewer.');

export const accessKeyIdField = z
  .string()
  .trim()
  .regex(
    /^[A-Z0-9]{16,128}$/,
    'An access key id is 20 capital letters and digits, e.g. AKIAIOSFODNN7EXAMPLE.',
  )
  .refine((v) => !v.startsWith('ASIA'), {
    message: 'Temporary (ASIA…) keys expire within hours; use a long-lived access key (AKIA…).',
  });

export const secretAccessKeyField = z
  .string()
  .trim()
  .regex(/^\S{16,128}$/, 'A secret access key is 40 characters without spaces.');

export const roleArnField = z
  .string()
  .trim()
  .regex(
    /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'A role ARN looks like arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-3f2b9c1e.',
  );

export const roleSetupForm = z.object({
  awsAccountId: z.string().trim().pipe(awsAccountIdSchema),
  region: awsRegionSchema,
  name: optional(accountNameField),
  enableWriteActions: z.boolean(),
});
export type RoleSetupForm = z.input<typeof roleSetupForm>;

export const accessKeyForm = z.object({
  accessKeyId: accessKeyIdField,
  secretAccessKey: secretAccessKeyField,
  awsAccountId: optional(z.string().trim().pipe(awsAccountIdSchema)),
  region: awsRegionSchema,
  name: optional(accountNameField),
});
export type AccessKeyForm = z.input<typeof accessKeyForm>;

/** Per-field messages of a form model, for `n-form-item` feedback; empty when the model is valid. */
export function fieldErrors(schema: z.ZodType, model: unknown): Record<string, string> {
  const result = schema.safeParse(model);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '');
    errors[field] ??= issue.message;
  }
  return errors;
}
