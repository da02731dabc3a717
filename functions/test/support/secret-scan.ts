/**
 * The secret scan of the ddb test run (issue 11, "must show" 7): every answer seen through `call` and
 * every log line is searched for credentials, by shape (JWTs, agent tokens, AWS access keys, kubeconfig
 * credentials, SIEM tokens, any unredacted secret-named field in a log line) and by value (every secret
 * a request sent, and every credential a response issued, must show up nowhere else).
 */
export interface ScannedExchange {
  routeKey: string;
  status: number;
  /** The request body as sent. */
  requestBody: string;
  /** The path parameters and query as sent (JSON), public by nature. */
  requestTarget?: string;
  /** The response body. */
  raw: string;
}

export interface SecretFinding {
  /** `response of POST /api/...` or `log line`. */
  where: string;
  what: string;
  /** The text around the hit, the secret itself cut short. */
  excerpt: string;
}

/** Routes that hand out a credential by design, and the fields it comes in (the only place it may be). */
export const issuingRoutes: Record<string, readonly string[]> = {
  'POST /api/auth/token': ['accessToken', 'idToken', 'refreshToken'],
  'POST /api/auth/refresh': ['accessToken', 'idToken', 'refreshToken'],
  'POST /api/client/clusters/{id}/agent-token': ['token'],
};

/** Request fields whose values are secrets: never echoed back, never logged. */
const secretRequestFields = new Set([
  'password',
  'secretAccessKey',
  'sessionToken',
  'refreshToken',
  'token',
  'slackWebhookUrl',
  // A whole uploaded kubeconfig (ADR 0059): stored sealed, read by the collector, shown nowhere.
  'kubeconfig',
]);

/** Credential shapes that must appear in no response (outside what a route issues) and no log line. */
export const secretShapes: readonly { what: string; pattern: RegExp }[] = [
  {
    what: 'a JWT (access, ID or refresh token)',
    pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/,
  },
  { what: 'an agent token', pattern: /spot_agt_[A-Za-z0-9_-]{20,}/ },
  // AWS's documented example key (AKIAIOSFODNN7EXAMPLE) is what input hints show; it is no credential.
  { what: 'an AWS access key id', pattern: /\b(AKIA|ASIA)(?![A-Z0-9]{9}EXAMPLE\b)[A-Z0-9]{16}\b/ },
  {
    what: 'an AWS secret access key',
    pattern: /aws_secret_access_key|"secretAccessKey"\s*:\s*"(?!\[redacted\])[^"]/i,
  },
  {
    what: 'a kubeconfig credential',
    pattern:
      /client-key-data|client-certificate-data|-----BEGIN [A-Z ]*PRIVATE KEY-----|(^|\\n|\n)\s*(token|password):\s+[^\s"]{16,}/,
  },
  // A Slack incoming webhook URL is a credential (anyone holding it can post to the channel).
  {
    what: 'a Slack webhook',
    pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{8,}/,
  },
  {
    what: 'a SIEM token',
    pattern:
      /\bSplunk [0-9a-f]{8}-[0-9a-f]{4}-|"(hecToken|siemToken|apiKey|api_key|webhookSecret|sharedSecret|DD-API-KEY)"\s*:\s*"(?!\[redacted\])[^"]/i,
  },
];

/** In a log line, any field named like a credential must hold `[redacted]` (or something short, like a flag). */
const secretNamedField =
  /"([A-Za-z_]*(token|secret|password|credential|apikey|api_key)[A-Za-z_]*)"\s*:\s*"([^"]{16,})"/gi;

const excerptAround = (text: string, index: number, length: number) =>
  `…${text.slice(Math.max(0, index - 40), index)}${text.slice(index, index + Math.min(length, 10))}[cut]…`;

/** Every string in a JSON value with the key it sits under; iterative, as fuzzed bodies nest deep. */
function stringsIn(root: unknown): [string, string][] {
  const out: [string, string][] = [];
  const stack: [string, unknown][] = [['', root]];
  while (stack.length > 0) {
    const [key, value] = stack.pop() as [string, unknown];
    if (typeof value === 'string') out.push([key, value]);
    else if (Array.isArray(value)) for (const v of value) stack.push([key, v]);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) stack.push([k, v]);
  }
  return out;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Worth scanning for by value: long and varied enough that finding it elsewhere is no coincidence. */
const distinctive = (value: string) => value.length >= 12 && new Set(value).size >= 8;

/** Every finding in the exchanges and log lines; empty when nothing leaked. */
export function scanForSecrets(input: {
  exchanges: readonly ScannedExchange[];
  logLines: readonly string[];
}): SecretFinding[] {
  const findings: SecretFinding[] = [];
  // Secrets by value: what requests sent in secret fields, and what issuing routes handed out.
  const sent = new Set<string>();
  const issued = new Map<string, string>();
  // A value some request also sent in a public place (a path or query, a name field) is not a secret:
  // the fuzzer puts its same nasty strings everywhere, and a 404 may echo an id into the audit trail.
  const public_ = new Set<string>();
  for (const e of input.exchanges) {
    for (const [, value] of stringsIn(parse(e.requestTarget ?? ''))) public_.add(value);
    for (const [key, value] of stringsIn(parse(e.requestBody)))
      if (!secretRequestFields.has(key)) public_.add(value);
  }
  for (const e of input.exchanges) {
    for (const [key, value] of stringsIn(parse(e.requestBody)))
      if (secretRequestFields.has(key) && distinctive(value) && !public_.has(value)) sent.add(value);
    const fields = issuingRoutes[e.routeKey];
    if (fields && e.status < 300)
      for (const [key, value] of stringsIn(parse(e.raw)))
        if (fields.includes(key) && distinctive(value)) issued.set(value, e.routeKey);
  }

  const texts: { where: string; text: string; allowed: Set<string> }[] = [
    ...input.exchanges.map((e) => {
      // What this very answer issued (and a refresh token it was sent and hands back) is allowed in it.
      const allowed = new Set<string>();
      if (issuingRoutes[e.routeKey] && e.status < 300) {
        for (const [value, route] of issued)
          if (route === e.routeKey && e.raw.includes(value)) allowed.add(value);
        for (const value of sent)
          if (e.requestBody.includes(value) && e.routeKey === 'POST /api/auth/refresh') allowed.add(value);
      }
      return { where: `response of ${e.routeKey} (${e.status})`, text: e.raw, allowed };
    }),
    ...input.logLines.map((line) => ({ where: 'log line', text: line, allowed: new Set<string>() })),
  ];

  // One search per secret over everything first: most secrets are found nowhere, and the run is large.
  const haystack = texts.map((t) => t.text).join('\u0000');
  const present = [...sent, ...issued.keys()].filter((value) => haystack.includes(value));
  for (const { where, text, allowed } of texts) {
    let scrubbed = text;
    for (const value of allowed) scrubbed = scrubbed.split(value).join('[issued]');
    for (const { what, pattern } of secretShapes) {
      const hit = pattern.exec(scrubbed);
      if (hit) findings.push({ where, what, excerpt: excerptAround(scrubbed, hit.index, hit[0].length) });
    }
    if (where === 'log line') {
      for (const hit of scrubbed.matchAll(secretNamedField)) {
        if (hit[3] === '[redacted]') continue;
        findings.push({
          where,
          what: `an unredacted "${hit[1]}" field`,
          excerpt: excerptAround(scrubbed, hit.index ?? 0, hit[0].length),
        });
      }
    }
    for (const value of present) {
      if (allowed.has(value)) continue;
      const index = scrubbed.indexOf(value);
      if (index >= 0) {
        findings.push({
          where,
          what: issued.has(value) ? `a credential issued by ${issued.get(value)}` : 'a secret a request sent',
          excerpt: excerptAround(scrubbed, index, value.length),
        });
      }
    }
  }
  return findings;
}
