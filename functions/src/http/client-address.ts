import { isIP } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The address of the person behind a request, for per-IP rate limits and the audit trail's source.
 *
 * Through the product's CloudFront distribution (the SPA's `/api/*`), API Gateway's `sourceIp` is the
 * CloudFront edge, shared by every viewer of that edge: limiting on it would make strangers share one
 * sign-in budget. CloudFront marks its origin requests with `x-amz-cf-id` and appends the viewer's address
 * to `X-Forwarded-For` (after whatever the viewer sent, which is why the viewer's own entries are never
 * read); API Gateway may append the edge's address after it. So: the last entry that is not `sourceIp`.
 *
 * A direct caller of the execute-api endpoint can send both headers and pick its "address"; it then
 * still meets the per-email/organization/cluster limits and the stage throttle, and the WAF's per-IP
 * rate rules, which see the real viewer, guard the CloudFront path (docs/decisions/0019-rate-limits.md).
 */
export function clientAddressOf(event: APIGatewayProxyEventV2): string | null {
  const sourceIp = event.requestContext?.http?.sourceIp ?? null;
  const headers = event.headers ?? {};
  const forwardedFor = headers['x-forwarded-for'];
  if (!headers['x-amz-cf-id'] || !forwardedFor) return sourceIp;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  while (hops.length > 0 && hops[hops.length - 1] === sourceIp) hops.pop();
  const viewer = hops.at(-1);
  return viewer !== undefined && isIP(viewer) !== 0 ? viewer : sourceIp;
}
