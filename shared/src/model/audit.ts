import { z } from 'zod';

export const auditOutcomes = ['success', 'failed', 'denied'] as const;
export const auditOutcomeSchema = z.enum(auditOutcomes);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

export const actorTypeSchema = z.enum(['user', 'system']);

/** One audit record as the product stores and shows it (the hash chain fields are added on write). */
export const auditEntrySchema = z.object({
  actorType: actorTypeSchema,
  actorId: z.string().nullable(),
  actorName: z.string(),
  action: z.string(),
  resourceType: z.string(),
  target: z.string().nullable(),
  accountId: z.string().nullable(),
  outcome: auditOutcomeSchema,
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  sourceIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  errorCode: z.string().nullable().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** The keys whose values never reach an audit record, a log line or a response. */
export const secretFieldNames = [
  'password',
  'secretAccessKey',
  'sessionToken',
  'accessToken',
  'idToken',
  'refreshToken',
  'authorization',
  'token',
] as const;

/** Deep copy of `value` with every secret field replaced by "[redacted]". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        (secretFieldNames as readonly string[]).includes(k) || /secret|password/i.test(k)
          ? '[redacted]'
          : redactSecrets(v);
    }
    return out;
  }
  return value;
}

/** `GET /api/client/audit`: the newest records first. */
export const auditListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

/** A stored record as the API returns it: the entry with its id, time and hash chain fields. */
export const auditRecordViewSchema = auditEntrySchema.extend({
  auditId: z.string(),
  seq: z.number().int().positive(),
  createdAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export const auditListResponseSchema = z.object({ items: z.array(auditRecordViewSchema) });
export type AuditListResponse = z.infer<typeof auditListResponseSchema>;
