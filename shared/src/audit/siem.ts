import { auditEventLabel } from './event';

/** The fields of a record a SIEM receives (the record as stored, less the organization id). */
export interface SiemRecord {
  auditId: string;
  seq: number;
  createdAt: string;
  actorType: string;
  actorName: string;
  action: string;
  outcome: string;
  target: string | null;
  [field: string]: unknown;
}

/**
 * Datadog Logs intake v2 (`POST https://http-intake.logs.<site>/api/v2/logs`, header `DD-API-KEY`): a
 * JSON array of log objects; `ddsource`/`service` name the product, `message` is the event in words and
 * the record itself rides along as attributes.
 */
export function datadogLogsPayload(records: readonly SiemRecord[]): string {
  return JSON.stringify(
    records.map((r) => ({
      ddsource: 'spot-optimizer',
      service: 'spot-optimizer-audit',
      ddtags: `outcome:${r.outcome},actor_type:${r.actorType}`,
      message: `${auditEventLabel(r.action)} by ${r.actorName}${r.target ? ` on ${r.target}` : ''} (${r.outcome})`,
      audit: r,
    })),
  );
}

/** The Datadog intake URL of a site (`datadoghq.eu` → `https://http-intake.logs.datadoghq.eu/api/v2/logs`). */
export const datadogIntakeUrl = (site: string) => `https://http-intake.logs.${site}/api/v2/logs`;

/**
 * Splunk HTTP Event Collector (`POST <url>/services/collector/event`, header `Authorization: Splunk
 * <token>`): one JSON event object per record, concatenated (HEC's batch format), `time` in epoch seconds
 * with milliseconds.
 */
export function splunkHecPayload(records: readonly SiemRecord[]): string {
  return records
    .map((r) =>
      JSON.stringify({
        time: Date.parse(r.createdAt) / 1000,
        source: 'spot-optimizer',
        sourcetype: '_json',
        event: { ...r, event: auditEventLabel(r.action) },
      }),
    )
    .join('\n');
}

/** The HEC event endpoint under a collector base URL (a trailing slash or the full path are accepted). */
export function splunkEventUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/services/collector/event') ? trimmed : `${trimmed}/services/collector/event`;
}

/**
 * One S3 object per delivered batch: newline-delimited JSON (one record per line, what Athena, Splunk's
 * S3 input and Datadog's log archives read), keyed by the first record's day, its sequence numbers and
 * id, so a retried batch overwrites its own object instead of adding a duplicate.
 */
export function s3AuditObject(
  records: readonly SiemRecord[],
  prefix: string,
): { key: string; body: string; contentType: string } {
  const first = records[0];
  const last = records.at(-1);
  const day = (first?.createdAt ?? '1970-01-01').slice(0, 10).replace(/-/g, '/');
  const seqs = `${String(first?.seq ?? 0).padStart(12, '0')}-${String(last?.seq ?? 0).padStart(12, '0')}`;
  return {
    key: `${prefix}${day}/${seqs}-${first?.auditId ?? 'empty'}.ndjson`,
    body: records.map((r) => `${JSON.stringify({ ...r, event: auditEventLabel(r.action) })}\n`).join(''),
    contentType: 'application/x-ndjson',
  };
}
