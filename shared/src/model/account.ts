import { z } from 'zod';

export const accountStatuses = ['pending', 'scanning', 'active', 'error'] as const;
export const accountStatusSchema = z.enum(accountStatuses);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export const connectionMethods = ['role', 'access-key'] as const;
export const connectionMethodSchema = z.enum(connectionMethods);
export type ConnectionMethod = z.infer<typeof connectionMethodSchema>;

export const awsAccountIdSchema = z
  .string()
  .regex(/^\d{12}$/, 'An AWS account id is exactly 12 digits, e.g. 123456789012.');

export const awsRegionSchema = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'Use an AWS region code such as us-east-1.');

/** `1234-****-****`: the first four digits identify the account to its owner without exposing it. */
export const maskAwsAccountId = (awsAccountId: string | undefined): string | null =>
  awsAccountId ? `${awsAccountId.slice(0, 4)}-****-****` : null;
