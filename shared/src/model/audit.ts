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
  'apiKey',
  'hecToken',
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

// ------------------------------------------------------------------------ Audit Logs & Compliance Center

export const auditActorTypes = actorTypeSchema.options;

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'an ISO 8601 instant, e.g. 2026-07-01T00:00:00Z',
});
/** A free-text filter: what a person types in a search box. */
const searchText = z.string().trim().min(1).max(200);

/**
 * The server-side filters of the audit trail. `from` is inclusive, `to` exclusive; `actor` matches the
 * actor's name or id, `target` the target, both as a case-sensitive substring; `event` is an action
 * (`policy.update`) or a prefix of one ending in `.` (`policy.`).
 */
export const auditFilterSchema = z
  .object({
    from: isoInstant.optional(),
    to: isoInstant.optional(),
    actor: searchText.optional(),
    actorType: actorTypeSchema.optional(),
    event: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*\.?$/, 'an action like policy.update, or a prefix like policy.')
      .max(100)
      .optional(),
    target: searchText.optional(),
    outcome: auditOutcomeSchema.optional(),
  })
  .refine((f) => !f.from || !f.to || Date.parse(f.from) < Date.parse(f.to), {
    message: 'from must be before to',
    path: ['to'],
  });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** `GET /api/client/audit`: the newest records first, filtered, one page at a time. */
export const auditListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** The `nextCursor` of the previous page, with the same filters. */
    cursor: z.string().min(1).max(2048).optional(),
  })
  .extend(auditFilterSchema.shape)
  .refine((f) => !f.from || !f.to || Date.parse(f.from) < Date.parse(f.to), {
    message: 'from must be before to',
    path: ['to'],
  });
export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

/** A stored record as the API returns it: the entry with its id, time and hash chain fields. */
export const auditRecordViewSchema = auditEntrySchema.extend({
  auditId: z.string(),
  seq: z.number().int().positive(),
  createdAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
  /** The action in words ("Modified Policy"). */
  event: z.string(),
});
export type AuditRecordView = z.infer<typeof auditRecordViewSchema>;
/**
 * `nextCursor` continues after the last item with the same filters; null on the last page. A filtered
 * page can be short (even empty) and still have a cursor: the server stopped at its read budget, and
 * `searchedThrough` is the time of the oldest record it looked at (null when the page was not cut short).
 */
export const auditListResponseSchema = z.object({
  items: z.array(auditRecordViewSchema),
  nextCursor: z.string().nullable(),
  searchedThrough: z.string().nullable(),
});
export type AuditListResponse = z.infer<typeof auditListResponseSchema>;

/** An audit record id (the `auditId` of the trail); an unknown one is a 404 like any other object. */
export const auditPathSchema = z.object({ id: z.string().min(1).max(64) });

/** One field that changed: its path (`spec.maxNodes`), its label in words ("Max Nodes"), before and after. */
export const auditChangeSchema = z.object({
  path: z.string(),
  label: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditChange = z.infer<typeof auditChangeSchema>;

/** `GET /api/client/audit/{id}`: the record and its before/after diff field by field. */
export const auditRecordDetailSchema = z.object({
  record: auditRecordViewSchema,
  changes: z.array(auditChangeSchema),
});
export type AuditRecordDetail = z.infer<typeof auditRecordDetailSchema>;

const chainBreakSchema = z.object({
  seq: z.number().int().nonnegative(),
  position: z.number().int().nonnegative(),
  auditId: z.string().nullable(),
  reason: z.enum([
    'altered',
    'broken-link',
    'missing',
    'out-of-order',
    'truncated',
    'head-mismatch',
    'checkpoint-invalid',
  ]),
  message: z.string(),
});

/** `GET /api/client/audit/verify`: the whole chain walked; valid, or the first broken link. */
export const auditVerifyResponseSchema = z.object({
  valid: z.boolean(),
  checked: z.number().int().nonnegative(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  lastHash: z.string().nullable(),
  head: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }).nullable(),
  /**
   * Where the walk started after retention expired the oldest records: the last expired record's seq and
   * hash, when the checkpoint moved there, and whether its signature is this service's. Null: nothing
   * has expired, the walk starts at the genesis.
   */
  checkpoint: z
    .object({
      seq: z.number().int().positive(),
      hash: z.string(),
      advancedAt: z.string(),
      signed: z.boolean(),
    })
    .nullable()
    .optional(),
  firstBreak: chainBreakSchema.nullable(),
  verifiedAt: z.string(),
});
export type AuditVerifyResponse = z.infer<typeof auditVerifyResponseSchema>;

export const auditExportFormats = ['csv', 'json'] as const;
export const auditExportFormatSchema = z.enum(auditExportFormats);
export type AuditExportFormat = z.infer<typeof auditExportFormatSchema>;

/** The longest range one export may cover (a quarter and a bit; larger ranges are split by the person). */
export const auditExportMaxDays = 400;

/**
 * How an export reaches the person: `inline` in the response (up to {@link auditExportMaxBytes}, a 422
 * above), `link` as a file stored for an hour behind a presigned download URL (201), `auto` inline when
 * it fits and a link otherwise (ADR 0029).
 */
export const auditExportDeliveries = ['auto', 'inline', 'link'] as const;

/** `POST /api/client/audit/exports`: the records created in [from, to), as CSV or JSON. */
export const auditExportInputSchema = z
  .object({
    format: auditExportFormatSchema,
    from: isoInstant,
    to: isoInstant,
    delivery: z.enum(auditExportDeliveries).default('auto'),
  })
  .refine((f) => Date.parse(f.from) < Date.parse(f.to), { message: 'from must be before to', path: ['to'] })
  .refine((f) => Date.parse(f.to) - Date.parse(f.from) <= auditExportMaxDays * 86_400_000, {
    message: `an export covers at most ${auditExportMaxDays} days: split the range`,
    path: ['to'],
  });
export type AuditExportInput = z.infer<typeof auditExportInputSchema>;

/** The chain segment an export covers: its first and last record and the hash it continues from. */
export const auditExportCoversSchema = z.object({
  count: z.number().int().nonnegative(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  /** The hash the first record continues from (its predecessor's, or the genesis). */
  anchorHash: z.string().nullable(),
  lastHash: z.string().nullable(),
});
export type AuditExportCovers = z.infer<typeof auditExportCoversSchema>;

/** The JSON export file: the request, what it covers, and the records exactly as stored (hashable). */
export const auditExportDocumentSchema = z.object({
  format: z.literal('spot-audit-export/v1'),
  organizationId: z.string(),
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  records: z.array(z.record(z.string(), z.unknown())),
  covers: auditExportCoversSchema,
});
export type AuditExportDocument = z.infer<typeof auditExportDocumentSchema>;

/** What an export signature vouches for (its claims travel inside the signature). */
export const auditExportClaimsSchema = z.object({
  v: z.literal(1),
  organizationId: z.string(),
  format: auditExportFormatSchema,
  from: z.string(),
  to: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  covers: auditExportCoversSchema,
  signedAt: z.string(),
});
export type AuditExportClaims = z.infer<typeof auditExportClaimsSchema>;

/**
 * `POST /api/client/audit/exports` with 201: the export was too large for a response (or a link was
 * asked for) and is stored for an hour; GET `url` downloads it. The checksum and signature are the same
 * as the inline answer's headers (which the 201 carries too).
 */
export const auditExportLinkSchema = z.object({
  url: z.string(),
  expiresAt: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  signature: z.string(),
  covers: auditExportCoversSchema,
});
export type AuditExportLink = z.infer<typeof auditExportLinkSchema>;

/** The largest export file `exports/verify` takes (and the largest an export may be: Lambda's 6 MiB). */
export const auditExportMaxBytes = 5 * 1024 * 1024;

/** `POST /api/client/audit/exports/verify`: a downloaded file and the signature it came with. */
export const auditExportVerifyInputSchema = z
  .object({
    content: z.string().max(auditExportMaxBytes).optional(),
    /**
     * Instead of `content`: the SHA-256 (hex) of a file too large to upload (a linked export), computed
     * by the person; then signature and checksum are checked, the records' chain is not (null).
     */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the file, 64 lower-case hex digits')
      .optional(),
    signature: z.string().min(1).max(4096),
  })
  .refine((v) => (v.content === undefined) !== (v.sha256 === undefined), {
    message: 'send the file as content, or the SHA-256 of a larger file as sha256 (one of the two)',
    path: ['content'],
  });
export type AuditExportVerifyInput = z.infer<typeof auditExportVerifyInputSchema>;

export const auditExportVerifyResponseSchema = z.object({
  valid: z.boolean(),
  /** The first check that failed, in words; null when valid. */
  reason: z.string().nullable(),
  checks: z.object({
    /** The signature was made by this service for the caller's organization. */
    signature: z.boolean(),
    /** SHA-256 of the file equals the signed checksum. */
    checksum: z.boolean(),
    /** JSON exports: every record's hash and link recomputes (null for CSV). */
    chain: z.boolean().nullable(),
    /** The last record the export covers is still the one stored (null: expired or empty export). */
    matchesStoredChain: z.boolean().nullable(),
  }),
  sha256: z.string(),
  claims: auditExportClaimsSchema.nullable(),
});
export type AuditExportVerifyResponse = z.infer<typeof auditExportVerifyResponseSchema>;

// ------------------------------------------------------------------------------- compliance settings

/** Retention in days (30 days to 1 year), or null: kept indefinitely. */
export const auditRetentionDaysSchema = z
  .number()
  .int()
  .min(30, 'keep audit records at least 30 days')
  .max(365, 'at most 365 days, or null to keep them indefinitely')
  .nullable();

/** The specification's cost warning, shown when records are kept longer than a year. */
export const auditRetentionCostWarning = 'Retaining logs for > 1 year may incur additional storage fees.';
export const auditRetentionWarningOf = (retentionDays: number | null) =>
  retentionDays === null || retentionDays > 365 ? auditRetentionCostWarning : null;

export const datadogSites = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ddog-gov.com',
] as const;

const destinationName = z.string().trim().min(1).max(60);
const destinationId = z.string().min(1).max(64);
/** Splunk HEC endpoints are HTTPS URLs (port 8088 by default). */
const httpsUrl = z
  .string()
  .max(300)
  .regex(
    /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[\w./-]*)?$/,
    'an https:// URL of your Splunk HTTP Event Collector, e.g. https://splunk.example.com:8088',
  );

/** A SIEM destination as a person enters it; a secret omitted on an existing destination keeps the stored one. */
export const auditDestinationInputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('datadog'),
    id: destinationId.optional(),
    name: destinationName,
    enabled: z.boolean().default(true),
    site: z.enum(datadogSites),
    /** Datadog API keys are 32 hex digits. */
    apiKey: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'a Datadog API key (32 hex digits, Organization Settings → API Keys)')
      .optional(),
  }),
  z.object({
    kind: z.literal('splunk'),
    id: destinationId.optional(),
    name: destinationName,
    enabled: z.boolean().default(true),
    url: httpsUrl,
    /** Splunk HEC tokens are GUIDs. */
    hecToken: z
      .string()
      .regex(
        /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
        'a Splunk HEC token (a GUID, Settings → Data inputs → HTTP Event Collector)',
      )
      .optional(),
  }),
  z.object({
    kind: z.literal('s3'),
    id: destinationId.optional(),
    name: destinationName,
    enabled: z.boolean().default(true),
    /** The connected cloud account whose role writes to the bucket. */
    cloudAccountId: z.string().min(1).max(64),
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'an S3 bucket name (3-63 lower-case letters, digits, . and -)',
      ),
    prefix: z
      .string()
      .max(200)
      .regex(/^[\w!\-.*'()/]*$/, "an S3 key prefix (letters, digits and !-_.*'()/)")
      .default('spot-audit/'),
  }),
]);
export type AuditDestinationInput = z.infer<typeof auditDestinationInputSchema>;

/**
 * How streaming to a destination last went (written by the stream function; GET settings only): the
 * last batch delivered and the last one that failed after its retries and went to the dead-letter
 * queue. Null until the first batch.
 */
export const auditDestinationDeliverySchema = z.object({
  lastAttemptAt: z.string(),
  lastDeliveredAt: z.string().nullable(),
  /** The highest sequence number delivered by the last successful batch. */
  lastDeliveredSeq: z.number().int().nullable(),
  lastErrorAt: z.string().nullable(),
  /** What went wrong, in words (never a secret). */
  lastError: z.string().nullable(),
  /** The destination's HTTP status in the last attempt, when it answered. */
  lastStatus: z.number().int().nullable(),
  /** Batches sent to the dead-letter queue so far. */
  deadLettered: z.number().int().nonnegative(),
});
export type AuditDestinationDelivery = z.infer<typeof auditDestinationDeliverySchema>;

const deliveryField = { delivery: auditDestinationDeliverySchema.nullable().optional() };

/** A destination as the API returns it: never its secret, only whether one is stored. */
export const auditDestinationViewSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('datadog'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    site: z.enum(datadogSites),
    hasSecret: z.boolean(),
    ...deliveryField,
  }),
  z.object({
    kind: z.literal('splunk'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    url: z.string(),
    hasSecret: z.boolean(),
    ...deliveryField,
  }),
  z.object({
    kind: z.literal('s3'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    cloudAccountId: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    hasSecret: z.boolean(),
    ...deliveryField,
  }),
]);
export type AuditDestinationView = z.infer<typeof auditDestinationViewSchema>;

export const auditSettingsViewSchema = z.object({
  /** 0: never saved (the defaults: kept indefinitely, no destination). */
  version: z.number().int().nonnegative(),
  retentionDays: auditRetentionDaysSchema,
  costWarning: z.string().nullable(),
  destinations: z.array(auditDestinationViewSchema),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type AuditSettingsView = z.infer<typeof auditSettingsViewSchema>;

/** `PUT /api/client/audit/settings`: from the version read (409 with the current settings otherwise). */
export const putAuditSettingsInputSchema = z.object({
  version: z.number().int().nonnegative(),
  retentionDays: auditRetentionDaysSchema,
  destinations: z.array(auditDestinationInputSchema).max(5, 'at most 5 destinations'),
});
export type PutAuditSettingsInput = z.infer<typeof putAuditSettingsInputSchema>;

/** `POST /api/client/audit/settings/test-event`: send one test record to a saved destination. */
export const auditTestEventInputSchema = z.object({ destinationId: z.string().min(1).max(64) });
export type AuditTestEventInput = z.infer<typeof auditTestEventInputSchema>;

export const auditTestEventResponseSchema = z.object({
  delivered: z.boolean(),
  /** The destination's HTTP status, when it answered. */
  status: z.number().int().nullable(),
  message: z.string(),
});
export type AuditTestEventResponse = z.infer<typeof auditTestEventResponseSchema>;
