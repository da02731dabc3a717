import {
  accessKeyIdSchema,
  accountNameSchema,
  awsAccountIdSchema,
  awsRegionSchema,
  roleArnSchema,
  secretAccessKeySchema,
} from '@spot/shared';
import { z } from 'zod';

// The connect forms check the API's own rules (shared/src/model/connect.ts), field by field, so a mistake
// shows while typing instead of after a round trip. Empty optional fields mean "not given".

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const accountNameField = accountNameSchema;
export const accessKeyIdField = accessKeyIdSchema;
export const secretAccessKeyField = secretAccessKeySchema;
export const roleArnField = roleArnSchema;

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
