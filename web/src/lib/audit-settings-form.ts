import {
  type AuditDestinationInput,
  type AuditDestinationView,
  auditDestinationInputSchema,
  type datadogSites,
  type PutAuditSettingsInput,
} from '@spot/shared';

/** The compliance settings form: retention stops and SIEM destinations edited as drafts. */

/** The retention slider's stops, 30 days to 1 year then indefinitely (null), as the specification draws it. */
export const retentionStops: readonly { days: number | null; label: string }[] = [
  { days: 30, label: '30 days' },
  { days: 60, label: '60 days' },
  { days: 90, label: '90 days' },
  { days: 180, label: '6 months' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Indefinite' },
];

/** The stops with a saved value that is not one of them (set through the API) put in its place. */
export function retentionStopsWith(saved: number | null): { days: number | null; label: string }[] {
  if (retentionStops.some((s) => s.days === saved)) return [...retentionStops];
  const stops = [...retentionStops, { days: saved, label: `${saved} days` }];
  return stops.sort((a, b) => (a.days ?? Number.POSITIVE_INFINITY) - (b.days ?? Number.POSITIVE_INFINITY));
}

export const retentionLabel = (days: number | null): string =>
  retentionStops.find((s) => s.days === days)?.label ?? `${days} days`;

export type DestinationKind = AuditDestinationView['kind'];
export const destinationKindLabel: Record<DestinationKind, string> = {
  datadog: 'Datadog',
  splunk: 'Splunk HEC',
  s3: 'S3 bucket',
};

/** One destination as the form edits it: every kind's fields, the secret typed (empty: keep the stored one). */
export interface DestinationDraft {
  /** A stable key for the list (the id once saved). */
  key: string;
  id: string | null;
  kind: DestinationKind;
  name: string;
  enabled: boolean;
  site: (typeof datadogSites)[number];
  apiKey: string;
  url: string;
  hecToken: string;
  cloudAccountId: string;
  bucket: string;
  prefix: string;
  /** A secret is stored for it (never shown; typing a new one replaces it). */
  hasSecret: boolean;
}

let counter = 0;
const blank = (kind: DestinationKind): DestinationDraft => ({
  key: `new-${++counter}`,
  id: null,
  kind,
  name: '',
  enabled: true,
  site: 'datadoghq.com',
  apiKey: '',
  url: '',
  hecToken: '',
  cloudAccountId: '',
  bucket: '',
  prefix: 'spot-audit/',
  hasSecret: false,
});

export function newDestination(kind: DestinationKind, name = destinationKindLabel[kind]): DestinationDraft {
  return { ...blank(kind), name };
}

export function draftOf(view: AuditDestinationView): DestinationDraft {
  const base = { ...blank(view.kind), key: view.id, id: view.id, name: view.name, enabled: view.enabled };
  base.hasSecret = view.hasSecret;
  if (view.kind === 'datadog') return { ...base, site: view.site };
  if (view.kind === 'splunk') return { ...base, url: view.url };
  return { ...base, cloudAccountId: view.cloudAccountId, bucket: view.bucket, prefix: view.prefix };
}

/** The API input of a draft: only its kind's fields; a secret left empty is omitted (the stored one stays). */
export function inputOf(d: DestinationDraft): AuditDestinationInput {
  const common = { ...(d.id ? { id: d.id } : {}), name: d.name, enabled: d.enabled };
  if (d.kind === 'datadog')
    return { ...common, kind: 'datadog', site: d.site, ...(d.apiKey ? { apiKey: d.apiKey } : {}) };
  if (d.kind === 'splunk')
    return { ...common, kind: 'splunk', url: d.url, ...(d.hecToken ? { hecToken: d.hecToken } : {}) };
  return { ...common, kind: 's3', cloudAccountId: d.cloudAccountId, bucket: d.bucket, prefix: d.prefix };
}

/**
 * What is wrong with a draft, by field, from the same schema the API validates with, plus the one rule
 * only the server knows otherwise: a new Datadog or Splunk destination needs its secret.
 */
export function destinationErrors(d: DestinationDraft): Partial<Record<keyof DestinationDraft, string>> {
  const errors: Partial<Record<keyof DestinationDraft, string>> = {};
  const parsed = auditDestinationInputSchema.safeParse(inputOf(d));
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name') as keyof DestinationDraft;
      errors[field] ??= field === 'name' && !d.name.trim() ? 'Give the destination a name' : issue.message;
    }
  if (d.kind === 'datadog' && !d.apiKey && !d.hasSecret)
    errors.apiKey ??= 'Required for a new Datadog destination';
  if (d.kind === 'splunk' && !d.hecToken && !d.hasSecret)
    errors.hecToken ??= 'Required for a new Splunk destination';
  if (d.kind === 's3' && !d.cloudAccountId)
    errors.cloudAccountId = 'Choose the connected account whose role writes';
  return errors;
}

/** The PUT body of the form. */
export const settingsInputOf = (
  version: number,
  retentionDays: number | null,
  drafts: readonly DestinationDraft[],
): PutAuditSettingsInput => ({ version, retentionDays, destinations: drafts.map(inputOf) });

/** Whether the form differs from what is saved (a secret typed counts as a change). */
export function settingsDirty(
  saved: { retentionDays: number | null; destinations: readonly AuditDestinationView[] },
  retentionDays: number | null,
  drafts: readonly DestinationDraft[],
): boolean {
  if (saved.retentionDays !== retentionDays) return true;
  const before = JSON.stringify(saved.destinations.map((v) => inputOf(draftOf(v))));
  return before !== JSON.stringify(drafts.map(inputOf));
}

/**
 * What a retention change does, for the confirmation: shorter retention lets older records expire
 * (the chain stays verifiable through its signed checkpoint); longer or indefinite keeps them longer.
 */
export function retentionChangeMessage(before: number | null, after: number | null): string {
  const label = retentionLabel(after).toLowerCase();
  if (after !== null && (before === null || after < before))
    return `Records older than ${label} will expire and can no longer be viewed or exported. The chain stays verifiable: a signed checkpoint keeps the hash of the last expired record.`;
  return `Records will be kept ${after === null ? 'indefinitely' : `for ${label}`}; nothing already stored expires sooner.`;
}
