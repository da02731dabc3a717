/**
 * Client certificates of the sandbox's clusters (ADR 0065): each cluster has its own client CA, as an EKS
 * (or any Kubernetes) API server does, and issues its read-only user a certificate signed by it. The API
 * server accepts a client certificate only when it chains to the cluster's CA, is within its validity and
 * comes with its private key (the TLS handshake's proof of possession); a certificate of another cluster,
 * a self-signed one or one without its key is refused.
 *
 * Everything is derived from the world's seed, like its access keys and service-account tokens: Ed25519
 * keys from HMAC output and Ed25519's deterministic signatures, so the same world always hands out the
 * same files. Node can verify X.509 certificates but not build them, so the few DER structures are
 * encoded here.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  X509Certificate,
} from 'node:crypto';

/** The user of the sandbox's client certificates and its Kubernetes group (RBAC subject). */
export const clientCertificateUser = 'spot-optimizer-reader';
export const clientCertificateGroup = 'spot-optimizer:readonly';

// --------------------------------------------------------------------------------------- DER encoding

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
const octets = (content: Buffer) => der(0x04, content);
const bits = (content: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), content]));
const bool = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return der(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime, `YYMMDDHHMMSSZ` (years 1950-2049). */
const utcTime = (d: Date) =>
  der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));

const ed25519 = seq(oid('1.3.101.112'));
const name = (commonName: string, organization?: string) =>
  seq(
    ...(organization ? [set(seq(oid('2.5.4.10'), utf8(organization)))] : []),
    set(seq(oid('2.5.4.3'), utf8(commonName))),
  );
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

// -------------------------------------------------------------------------------------------- keys

/** An Ed25519 key from 32 bytes (PKCS#8: the fixed prefix, then the seed). */
function ed25519Key(seed: Buffer): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}

const pem = (label: string, body: Buffer) =>
  `-----BEGIN ${label}-----\n${(body.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

interface Issued {
  certificatePem: string;
  keyPem: string;
}

/** A v3 certificate of `subject`'s key, signed by `issuerKey`. */
function certificate(options: {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  ca: boolean;
}): string {
  const spki = createPublicKey(options.subjectKey).export({ type: 'spki', format: 'der' });
  const extensions = options.ca
    ? [
        extension('2.5.29.19', true, seq(bool(true))),
        // keyUsage: keyCertSign (bit 5) and cRLSign (bit 6).
        extension('2.5.29.15', true, der(0x03, Buffer.from([1, 0x06]))),
      ]
    : [
        extension('2.5.29.19', true, seq()),
        // keyUsage: digitalSignature (bit 0); extendedKeyUsage: clientAuth.
        extension('2.5.29.15', true, der(0x03, Buffer.from([7, 0x80]))),
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.2'))),
      ];
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(options.serial),
    ed25519,
    options.issuer,
    // Valid for the whole of the sandbox's simulated years.
    seq(utcTime(new Date('2020-01-01T00:00:00Z')), utcTime(new Date('2049-12-31T23:59:59Z'))),
    options.subject,
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign(null, tbs, options.issuerKey);
  return pem('CERTIFICATE', seq(tbs, ed25519, bits(signature)));
}

/**
 * The client CA and the read-only user's certificate of each cluster of one world (by seed and size),
 * built on first use.
 */
export class SandboxClientCertificates {
  private readonly cas = new Map<string, { key: KeyObject; certificate: X509Certificate }>();
  private readonly users = new Map<string, Issued>();

  constructor(private readonly secret: string) {}

  private bytes(label: string): Buffer {
    return createHmac('sha256', this.secret).update(label).digest();
  }

  private ca(clusterName: string) {
    let found = this.cas.get(clusterName);
    if (!found) {
      const key = ed25519Key(this.bytes(`client-ca/${clusterName}`));
      const subject = name(`sandbox client CA of ${clusterName}`);
      const text = certificate({
        serial: this.bytes(`client-ca-serial/${clusterName}`).subarray(0, 16),
        issuer: subject,
        subject,
        subjectKey: key,
        issuerKey: key,
        ca: true,
      });
      found = { key, certificate: new X509Certificate(text) };
      this.cas.set(clusterName, found);
    }
    return found;
  }

  /** The certificate and key (PEM) the cluster issued its read-only user. */
  userCertificate(clusterName: string): Issued {
    let found = this.users.get(clusterName);
    if (!found) {
      const ca = this.ca(clusterName);
      const key = ed25519Key(this.bytes(`client-key/${clusterName}`));
      found = {
        certificatePem: certificate({
          serial: this.bytes(`client-serial/${clusterName}`).subarray(0, 16),
          issuer: name(`sandbox client CA of ${clusterName}`),
          subject: name(clientCertificateUser, clientCertificateGroup),
          subjectKey: key,
          issuerKey: ca.key,
          ca: false,
        }),
        keyPem: String(key.export({ type: 'pkcs8', format: 'pem' })),
      };
      this.users.set(clusterName, found);
    }
    return found;
  }

  /**
   * Whether the cluster's API server accepts this client certificate and key (both PEM): the certificate
   * chains to the cluster's client CA, is valid `at`, is meant for client authentication, and the key is
   * its own. Anything unreadable is refused, never thrown.
   */
  accepts(clusterName: string, certificatePem: string, keyPem: string, at: Date): boolean {
    try {
      const presented = new X509Certificate(certificatePem);
      const key = createPrivateKey(keyPem);
      const ca = this.ca(clusterName).certificate;
      const t = at.getTime();
      return (
        presented.checkIssued(ca) &&
        presented.verify(ca.publicKey) &&
        !presented.ca &&
        (presented.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.2') &&
        Date.parse(presented.validFrom) <= t &&
        t <= Date.parse(presented.validTo) &&
        presented.checkPrivateKey(key)
      );
    } catch {
      return false;
    }
  }
}
