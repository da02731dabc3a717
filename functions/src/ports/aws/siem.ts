import { isIP } from 'node:net';
import {
  datadogIntakeUrl,
  datadogLogsPayload,
  type SiemRecord,
  splunkEventUrl,
  splunkHecPayload,
} from '@spot/shared';
import type { SiemDelivery, SiemDestination, SiemPort } from '../types';

/** Host names a destination may not point at: this machine, link-local metadata, private networks. */
function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal')) return true;
  if (isIP(h) === 4) return /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.)/.test(h);
  if (isIP(h) === 6) return h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80');
  return false;
}

/**
 * Delivers audit records to Datadog's logs intake or a Splunk HTTP Event Collector over HTTPS, with a
 * timeout, refusing private and loopback addresses (a destination URL is customer input: no SSRF into our
 * network). S3 delivery goes through the customer's role and is not implemented yet: it answers so.
 * `fetchImpl` and `allowPrivate` exist for the local stack and tests, whose receivers run on 127.0.0.1.
 */
export class HttpSiemSender implements SiemPort {
  constructor(
    private readonly options: {
      fetchImpl?: typeof fetch;
      allowPrivate?: boolean;
      timeoutMs?: number;
      /** Rewrites a destination URL (tests: send what would go to Datadog to a local receiver). */
      rewrite?: (url: string) => string;
    } = {},
  ) {}

  async deliver(destination: SiemDestination, records: readonly SiemRecord[]): Promise<SiemDelivery> {
    if (destination.kind === 's3')
      return {
        delivered: false,
        status: null,
        message: 'Delivery to S3 through the account role is not available yet; Datadog and Splunk are.',
      };
    const request: { url: string; headers: Record<string, string>; body: string } =
      destination.kind === 'datadog'
        ? {
            url: datadogIntakeUrl(destination.site),
            headers: { 'DD-API-KEY': destination.secret },
            body: datadogLogsPayload(records),
          }
        : {
            url: splunkEventUrl(destination.url),
            headers: { Authorization: `Splunk ${destination.secret}` },
            body: splunkHecPayload(records),
          };
    const url = new URL(this.options.rewrite ? this.options.rewrite(request.url) : request.url);
    if (!this.options.allowPrivate && (url.protocol !== 'https:' || isPrivateHost(url.hostname)))
      return {
        delivered: false,
        status: null,
        message: `${url.hostname} is not a public HTTPS address; use your collector's public endpoint.`,
      };
    try {
      const res = await (this.options.fetchImpl ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (res.ok) return { delivered: true, status: res.status, message: 'Delivered.' };
      const hint =
        res.status === 401 || res.status === 403
          ? 'the destination refused the API key or token: check it and save it again'
          : 'the destination answered an error';
      return {
        delivered: false,
        status: res.status,
        message: `Not delivered (HTTP ${res.status}): ${hint}.`,
      };
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      return {
        delivered: false,
        status: null,
        message: timedOut
          ? `${url.hostname} did not answer within ${(this.options.timeoutMs ?? 5000) / 1000} s.`
          : `${url.hostname} could not be reached: check the address.`,
      };
    }
  }
}
