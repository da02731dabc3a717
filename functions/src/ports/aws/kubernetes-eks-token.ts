import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * The bearer token EKS accepts from an IAM principal (what `aws eks get-token` prints):
 *
 *   token = "k8s-aws-v1." + base64url(presigned STS GetCallerIdentity URL), without padding
 *
 * The URL is signed with SigV4 for service `sts` in the cluster's region, with the header
 * `x-k8s-aws-id: <cluster name>` signed along (so a token for one cluster is refused by another) and
 * `X-Amz-Expires=60`. EKS accepts it for 15 minutes after the signing time; the API server's webhook calls
 * STS with it to learn the caller's ARN, then maps that ARN through the cluster's access entries.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const eksTokenPrefix = 'k8s-aws-v1.';
/** EKS refuses tokens signed more than 15 minutes ago; refresh a minute early. */
export const eksTokenLifetimeMs = 14 * 60_000;

/** node:crypto behind the hash interface SignatureV4 expects (what @smithy/hash-node does). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** RFC 3986 encoding, as SigV4 canonicalizes query strings. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function eksToken(input: {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** Signing time (injected for tests); now by default. */
  now?: Date;
}): Promise<{ token: string; expiresAt: Date }> {
  const signingDate = input.now ?? new Date();
  const hostname = `sts.${input.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: 'sts',
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': input.clusterName },
    },
    { expiresIn: 60, signingDate },
  );
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x) => [k, x] as const) : v === null ? [] : [[k, v] as const],
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return {
    token: `${eksTokenPrefix}${Buffer.from(url, 'utf8').toString('base64url')}`,
    expiresAt: new Date(signingDate.getTime() + eksTokenLifetimeMs),
  };
}
