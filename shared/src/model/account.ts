import { z } from 'zod';
import { displayNameSchema } from './text';

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

/**
 * An ARN with its account field masked the same way (`arn:aws:eks:us-east-1:1234-****-****:cluster/x`): the
 * one rule for every answer of the API is that a full 12-digit AWS account id is never returned.
 */
export const maskArnAccount = (arn: string | null): string | null =>
  arn?.replace(/^(arn:[^:]*:[^:]*:[^:]*:)(\d{12})(:)/, (_m, head: string, id: string, tail: string) => {
    return `${head}${maskAwsAccountId(id)}${tail}`;
  }) ?? null;

/** The display name of a connected account (rename, connect). */
export const accountNameSchema = displayNameSchema({
  min: 1,
  max: 60,
  tooShort: 'Give the account a name.',
  tooLong: 'Keep the name to 60 characters or fewer.',
});

/** Path parameter of the per-account routes; an id that cannot exist is a 404, not a 400. */
export const accountPathSchema = z.object({ id: z.string().min(1).max(64) });

/** `PATCH /api/client/accounts/{id}`. */
export const renameAccountInputSchema = z.object({ name: accountNameSchema });
export type RenameAccountInput = z.infer<typeof renameAccountInputSchema>;

/**
 * How far the scan a person waits for has got (a first scan, a Re-Sync): the clusters its regions hold
 * (`null` while the regions are still being read) and how many of them are collected or failed so far.
 * collected + failed <= found.
 */
export const scanProgressSchema = z.object({
  clustersFound: z.number().int().nonnegative().nullable(),
  clustersCollected: z.number().int().nonnegative(),
  clustersFailed: z.number().int().nonnegative(),
});
export type ScanProgress = z.infer<typeof scanProgressSchema>;

/** The API view of an account: never the role's External ID, never anything of a stored secret. */
export const accountViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `1234-****-****`; null for the placeholder account made at sign-up, before any AWS account is linked. */
  awsAccountIdMasked: z.string().nullable(),
  region: z.string().nullable(),
  method: connectionMethodSchema.nullable(),
  status: accountStatusSchema,
  statusReason: z.string().nullable(),
  lastDiscoveryAt: z.string().nullable(),
  createdAt: z.string(),
  /**
   * While the account is `scanning`: the scan's progress (clusters appear on the dashboard as each is
   * collected). `null` otherwise; a scheduled re-sync of an `active` account runs quietly.
   */
  discovery: scanProgressSchema.nullable(),
});
export type AccountView = z.infer<typeof accountViewSchema>;
/** The SPA's name for an account view. */
export type AccountSummary = AccountView;

export const accountListResponseSchema = z.object({ items: z.array(accountViewSchema) });
