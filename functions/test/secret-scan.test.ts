import { describe, expect, it } from 'vitest';
import { type ScannedExchange, scanForSecrets } from './support/secret-scan';

/** The scan that runs over every ddb test file must find each kind of leak it claims to, and only those. */
const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXZhbHVl';
const agentToken = 'spot_agt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd';
const refreshToken = 'rt-9f8e7d6c5b4a3210-ZYXWVUTSRQ';
const password = 'Pw-3a9c1e77-Aa1!';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const exchange = (routeKey: string, body: unknown, raw: unknown, status = 200): ScannedExchange => ({
  routeKey,
  status,
  requestBody: JSON.stringify(body),
  raw: JSON.stringify(raw),
});

const clean: ScannedExchange[] = [
  exchange(
    'POST /api/auth/token',
    { email: 'a@b.co', password },
    { accessToken: jwt, refreshToken, idToken: jwt },
  ),
  exchange(
    'POST /api/client/clusters/{id}/agent-token',
    {},
    { token: agentToken, helm: `--set token=${agentToken}` },
    201,
  ),
  exchange(
    'POST /api/client/accounts/connect',
    { accessKeyId: 'AKIAABCDEFGHIJKLMNOP', secretAccessKey },
    { id: 'a1' },
  ),
  exchange('GET /api/me', {}, { email: 'a@b.co' }),
];
const cleanLog = ['{"level":"info","message":"request","authorization":"[redacted]","route":"GET /api/me"}'];

describe('scanForSecrets', () => {
  it('accepts credentials only in the answers that issue them, and AWS documentation example keys', () => {
    expect(scanForSecrets({ exchanges: clean, logLines: cleanLog })).toEqual([]);
    const hint = exchange(
      'POST /api/client/accounts/connect',
      {},
      { message: 'e.g. AKIAIOSFODNN7EXAMPLE' },
      400,
    );
    expect(scanForSecrets({ exchanges: [hint], logLines: [] })).toEqual([]);
  });

  it.each([
    ['a JWT', [exchange('GET /api/me', {}, { note: jwt })], [], 'a JWT'],
    [
      'an agent token in another answer',
      [exchange('GET /api/client/clusters/{id}', {}, { t: agentToken })],
      [],
      'agent token',
    ],
    [
      'an echoed password',
      [exchange('GET /api/client/audit', {}, { after: { x: password } })],
      [],
      'a secret a request sent',
    ],
    [
      'an echoed secret key',
      [exchange('GET /api/client/accounts', {}, { k: secretAccessKey })],
      [],
      'a secret a request sent',
    ],
    [
      'an access key id',
      [exchange('GET /api/client/accounts', {}, { k: 'AKIAABCDEFGHIJKLMNOP' })],
      [],
      'access key id',
    ],
    [
      'a refresh token in a log line',
      [],
      [`{"message":"x","note":"${refreshToken}"}`],
      'issued by POST /api/auth/token',
    ],
    [
      'an unredacted token field in a log line',
      [],
      ['{"message":"x","hecToken":"abcdefabcdefabcdef12"}'],
      'unredacted',
    ],
    [
      'kubeconfig credentials',
      [],
      ['{"message":"users:\\n- user:\\n    client-key-data: LS0tLS1CRUdJTi"}'],
      'kubeconfig',
    ],
    [
      'a kubeconfig bearer token',
      [],
      ['users:\n  user:\n    token: k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9u'],
      'kubeconfig',
    ],
    [
      'a Splunk HEC token',
      [],
      ['{"message":"Authorization: Splunk 12345678-1234-1234-1234-123456789012"}'],
      'SIEM',
    ],
  ])('finds %s', (_name, extra, lines, what) => {
    const findings = scanForSecrets({ exchanges: [...clean, ...extra], logLines: [...cleanLog, ...lines] });
    expect(findings.map((f) => f.what).join('; ')).toContain(what);
    // The report never repeats the secret whole.
    for (const f of findings)
      for (const s of [jwt, agentToken, refreshToken, password]) expect(f.excerpt).not.toContain(s);
  });

  it('does not count a value also sent in a public place (a path id, a name) as a secret', () => {
    const nasty = '<script>alert(1)</script>';
    const sentAsSecret = exchange('POST /api/auth/signout', { refreshToken: nasty }, {}, 400);
    const echoedInAudit = exchange('GET /api/client/audit', {}, { target: `cloud-account/${nasty}` });
    const asPathId: ScannedExchange = {
      ...exchange('PATCH /api/client/accounts/{id}', { name: 'x' }, {}, 404),
      requestTarget: JSON.stringify({ path: { id: nasty }, query: {} }),
    };
    expect(scanForSecrets({ exchanges: [sentAsSecret, asPathId, echoedInAudit], logLines: [] })).toEqual([]);
    // Without the public use, the same echo is a finding.
    expect(
      scanForSecrets({ exchanges: [sentAsSecret, echoedInAudit], logLines: [] }).map((f) => f.what),
    ).toEqual(['a secret a request sent']);
  });
});
