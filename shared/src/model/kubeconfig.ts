import { parse as parseYaml } from 'yaml';

/**
 * Validation of a kubeconfig uploaded in the Add Cluster wizard (issue 17 item 4, ADR 0051). The file is
 * stored (encrypted) for the agentless collector, and a Kubernetes client that loads a kubeconfig runs its
 * `exec` plugin and reads the files it names. So only a self-contained file is accepted: one cluster, one
 * context, one user, an `https` server, inline certificate data, and as the only exec plugin the AWS CLI's
 * `aws eks get-token` (which the collector replaces by its own STS-presigned token anyway). The same
 * function runs in the SPA (instant feedback) and in the route (the check that counts).
 */

/** Largest kubeconfig accepted, bytes: a real one with inline certificates is 5-10 KiB. */
export const kubeconfigMaxBytes = 64 * 1024;

/** How the kubeconfig's user authenticates (the secret itself is never part of the summary). */
export type KubeconfigAuth = 'token' | 'client-certificate' | 'aws-eks-get-token';

export interface KubeconfigSummary {
  clusterName: string;
  contextName: string;
  userName: string;
  /** The API server, `https://...`. */
  server: string;
  auth: KubeconfigAuth;
  /** The EKS cluster name of `aws eks get-token --cluster-name`, when the user authenticates that way. */
  eksClusterName: string | null;
  /** The region of an EKS endpoint (`*.<region>.eks.amazonaws.com`) or of `--region`; null otherwise. */
  region: string | null;
}

export type KubeconfigResult = { ok: true; value: KubeconfigSummary } | { ok: false; problems: string[] };

/** The only exec command allowed: the AWS CLI, by name or by an absolute path ending in `/aws`. */
const awsCommand = /^(?:\/[\w.+-]+)*\/?aws$/;
/** Flags `aws eks get-token` may carry; anything else (e.g. `--cli-input-json file://`) is refused. */
const awsFlagsWithValue = new Set([
  '--cluster-name',
  '--cluster-id',
  '--region',
  '--role-arn',
  '--output',
  '--profile',
]);
/** Environment an exec entry may set: AWS CLI selection only (no PATH, LD_PRELOAD, NODE_OPTIONS...). */
const allowedExecEnv = new Set([
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_STS_REGIONAL_ENDPOINTS',
]);
/** Fields naming files on the machine that loads the kubeconfig: our server's files, never the customer's. */
const fileFields = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One named entry of `clusters` / `contexts` / `users`: `{ name, <field>: {...} }`. */
function single(doc: Record<string, unknown>, list: string, field: string, problems: string[]) {
  const entries = doc[list];
  if (!Array.isArray(entries) || entries.length !== 1) {
    const count = Array.isArray(entries) ? entries.length : 0;
    problems.push(
      `${list}: the kubeconfig must hold exactly one entry (it has ${count}). Export the one cluster with \`kubectl config view --minify --flatten\`.`,
    );
    return null;
  }
  const entry = entries[0];
  if (!isRecord(entry) || typeof entry.name !== 'string' || !isRecord(entry[field])) {
    problems.push(`${list}[0]: needs a name and a ${field} section.`);
    return null;
  }
  return { name: entry.name, body: entry[field] as Record<string, unknown> };
}

/** Why an exec plugin is refused, or null when it is `aws eks get-token` with known flags only. */
function execProblem(exec: Record<string, unknown>): string | null {
  const command = typeof exec.command === 'string' ? exec.command : '';
  if (!awsCommand.test(command)) {
    return `users[0].user.exec: the command "${command.slice(0, 60)}" would run on our servers; only \`aws eks get-token\` is accepted. Use a service-account token or \`aws eks get-token\`.`;
  }
  const args = Array.isArray(exec.args) ? exec.args : [];
  if (!args.every((a) => typeof a === 'string'))
    return 'users[0].user.exec.args: every argument must be a string.';
  const words = args as string[];
  const eks = words.indexOf('eks');
  if (eks < 0 || words[eks + 1] !== 'get-token') {
    return 'users[0].user.exec: the aws command must be `aws eks get-token --cluster-name <name>`.';
  }
  const rest = [...words.slice(0, eks), ...words.slice(eks + 2)];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    const [flag, inline] = word.split('=', 2) as [string, string | undefined];
    if (!awsFlagsWithValue.has(flag)) {
      return `users[0].user.exec.args: "${word.slice(0, 40)}" is not accepted; allowed flags: ${[...awsFlagsWithValue].join(', ')}.`;
    }
    if (inline === undefined) i++;
  }
  const env = Array.isArray(exec.env) ? exec.env : exec.env == null ? [] : null;
  if (env === null) return 'users[0].user.exec.env: must be a list of {name, value}.';
  for (const e of env) {
    const name = isRecord(e) && typeof e.name === 'string' ? e.name : '';
    if (!allowedExecEnv.has(name)) {
      return `users[0].user.exec.env: "${name.slice(0, 40)}" may not be set; allowed: ${[...allowedExecEnv].join(', ')}.`;
    }
  }
  return null;
}

function flagValue(args: readonly string[], flag: string): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === flag) return args[i + 1] ?? null;
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return null;
}

/**
 * Parses (YAML or JSON) and checks a kubeconfig; every problem is named with where it is and how to fix
 * it. Never returns or echoes a credential.
 */
export function validateKubeconfig(text: string): KubeconfigResult {
  if (new TextEncoder().encode(text).length > kubeconfigMaxBytes) {
    return {
      ok: false,
      problems: [`kubeconfig: larger than ${kubeconfigMaxBytes / 1024} KiB; upload one cluster's file.`],
    };
  }
  let doc: unknown;
  try {
    // JSON is YAML too; aliases are capped so a "billion laughs" file cannot blow up the parser.
    doc = parseYaml(text, { maxAliasCount: 10 });
  } catch {
    return {
      ok: false,
      problems: [
        'kubeconfig: not valid YAML or JSON. Upload the file `kubectl config view --minify --flatten` prints.',
      ],
    };
  }
  if (!isRecord(doc))
    return {
      ok: false,
      problems: ['kubeconfig: expected a Config object with clusters, contexts and users.'],
    };
  const problems: string[] = [];
  if (doc.kind !== undefined && doc.kind !== 'Config')
    problems.push(`kind: expected "Config", got "${String(doc.kind).slice(0, 30)}".`);
  const cluster = single(doc, 'clusters', 'cluster', problems);
  const context = single(doc, 'contexts', 'context', problems);
  const user = single(doc, 'users', 'user', problems);
  let server = '';
  if (cluster) {
    server = typeof cluster.body.server === 'string' ? cluster.body.server : '';
    let url: URL | null = null;
    try {
      url = new URL(server);
    } catch {
      url = null;
    }
    if (url?.protocol !== 'https:')
      problems.push('clusters[0].cluster.server: must be an https:// URL of the API server.');
    if (cluster.body['insecure-skip-tls-verify'] === true) {
      problems.push(
        'clusters[0].cluster.insecure-skip-tls-verify: TLS verification cannot be switched off; include certificate-authority-data.',
      );
    }
  }
  if (context) {
    if (cluster && context.body.cluster !== cluster.name)
      problems.push(`contexts[0].context.cluster: must name the cluster "${cluster.name}".`);
    if (user && context.body.user !== user.name)
      problems.push(`contexts[0].context.user: must name the user "${user.name}".`);
  }
  for (const [where, body] of [
    ['clusters[0].cluster', cluster?.body],
    ['users[0].user', user?.body],
  ] as const) {
    for (const field of fileFields) {
      if (body && body[field] !== undefined) {
        problems.push(
          `${where}.${field}: names a file on the machine that reads it; inline it (${field === 'tokenFile' ? 'token' : `${field}-data`}), e.g. with \`kubectl config view --flatten\`.`,
        );
      }
    }
  }
  let auth: KubeconfigAuth | null = null;
  let eksClusterName: string | null = null;
  let execRegion: string | null = null;
  if (user) {
    const u = user.body;
    if (u['auth-provider'] !== undefined)
      problems.push(
        'users[0].user.auth-provider: auth providers run commands and are not accepted; use a token or `aws eks get-token`.',
      );
    if (u.username !== undefined || u.password !== undefined)
      problems.push(
        'users[0].user: basic authentication is not accepted; use a token or a client certificate.',
      );
    if (isRecord(u.exec)) {
      const problem = execProblem(u.exec);
      if (problem) problems.push(problem);
      else {
        auth = 'aws-eks-get-token';
        const args = (u.exec.args as string[] | undefined) ?? [];
        eksClusterName = flagValue(args, '--cluster-name');
        execRegion = flagValue(args, '--region');
      }
    } else if (u.exec !== undefined) {
      problems.push('users[0].user.exec: must be an object with command and args.');
    } else if (typeof u.token === 'string' && u.token.length > 0) {
      auth = 'token';
    } else if (typeof u['client-certificate-data'] === 'string' && typeof u['client-key-data'] === 'string') {
      auth = 'client-certificate';
    }
    if (auth === null && problems.length === 0) {
      problems.push(
        'users[0].user: no credentials; give a token, client-certificate-data with client-key-data, or `aws eks get-token`.',
      );
    }
  }
  if (problems.length > 0 || !cluster || !context || !user || auth === null) return { ok: false, problems };
  const endpointRegion =
    server.match(/\.([a-z]{2}(?:-[a-z]+)+-\d)\.eks\.amazonaws\.com(?::\d+)?\/?$/i)?.[1] ?? null;
  return {
    ok: true,
    value: {
      clusterName: cluster.name,
      contextName: context.name,
      userName: user.name,
      server,
      auth,
      eksClusterName,
      region: endpointRegion?.toLowerCase() ?? execRegion,
    },
  };
}

/** What a client needs from a stored kubeconfig to connect: the server, its CA and one credential. */
export interface KubeconfigCredentials {
  server: string;
  /** Base64 PEM of `certificate-authority-data`; null = the system's trust store. */
  certificateAuthorityData: string | null;
  user:
    | { kind: 'token'; token: string }
    | { kind: 'client-certificate'; certificateData: string; keyData: string }
    /** `aws eks get-token`: the collector signs its own EKS token for this cluster name instead. */
    | { kind: 'aws-eks-get-token'; eksClusterName: string | null };
}

/**
 * The connection parts of a kubeconfig the route accepted (ADR 0059). Only these fields are read: the
 * collector builds its client from them and never loads the file itself, so no `exec` command and no
 * file path in it is ever used, whatever the file says. Throws (naming the field, never a value) when a
 * part is missing; the server's scheme is not checked here (the upload's validation did).
 */
export function kubeconfigCredentials(text: string): KubeconfigCredentials {
  const doc = parseYaml(text, { maxAliasCount: 10 }) as unknown;
  const first = (list: string, field: string): Record<string, unknown> => {
    const entries = isRecord(doc) ? doc[list] : undefined;
    const entry = Array.isArray(entries) ? entries[0] : undefined;
    const body = isRecord(entry) ? entry[field] : undefined;
    if (!isRecord(body)) throw new Error(`kubeconfig: ${list}[0].${field} is missing.`);
    return body;
  };
  const cluster = first('clusters', 'cluster');
  const u = first('users', 'user');
  if (typeof cluster.server !== 'string' || cluster.server === '')
    throw new Error('kubeconfig: clusters[0].cluster.server is missing.');
  const ca = cluster['certificate-authority-data'];
  const base = {
    server: cluster.server,
    certificateAuthorityData: typeof ca === 'string' && ca !== '' ? ca : null,
  };
  if (isRecord(u.exec)) {
    const args = Array.isArray(u.exec.args) ? u.exec.args.filter((a) => typeof a === 'string') : [];
    return {
      ...base,
      user: { kind: 'aws-eks-get-token', eksClusterName: flagValue(args, '--cluster-name') },
    };
  }
  if (typeof u.token === 'string' && u.token !== '')
    return { ...base, user: { kind: 'token', token: u.token } };
  const cert = u['client-certificate-data'];
  const key = u['client-key-data'];
  if (typeof cert === 'string' && typeof key === 'string')
    return { ...base, user: { kind: 'client-certificate', certificateData: cert, keyData: key } };
  throw new Error('kubeconfig: users[0].user holds no token, client certificate or `aws eks get-token`.');
}
