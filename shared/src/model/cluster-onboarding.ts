import { z } from 'zod';
import { awsRegionSchema } from './account';
import { kubeconfigMaxBytes } from './kubeconfig';

/**
 * The Add Cluster wizard (issue 17 item 4, ADR 0051): scan an account's regions for EKS clusters the
 * organization does not manage yet, adopt one or register one by kubeconfig, issue a short-lived
 * single-use install token with the commands that install the agent, and check the permissions first.
 */

/** `POST /api/client/accounts/{id}/cluster-scan`. A scan is a few EKS calls per region: at most 10. */
export const clusterScanBodySchema = z.object({
  regions: z
    .array(awsRegionSchema)
    .min(1, 'Pick at least one region to scan.')
    .max(10, 'Scan at most 10 regions at a time.'),
});
export type ClusterScanBody = z.infer<typeof clusterScanBodySchema>;

/** The tags the wizard pre-fills, read from the cluster's cloud tags. */
export const clusterLabelsSchema = z.object({
  env: z.string().max(64).nullable(),
  team: z.string().max(64).nullable(),
});
export type ClusterLabels = z.infer<typeof clusterLabelsSchema>;

const envTagKeys = ['env', 'environment', 'stage'];
const teamTagKeys = ['team', 'owner', 'squad'];

/** `env` / `team` from cloud tags, whatever the case of the key (`Environment`, `Team`, `owner`). */
export function labelsFromTags(tags: Readonly<Record<string, string>>): ClusterLabels {
  const byKey = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  const first = (keys: readonly string[]) =>
    keys.map((k) => byKey.get(k)).find((v) => v !== undefined) ?? null;
  return { env: first(envTagKeys), team: first(teamTagKeys) };
}

export const discoveredClusterSchema = z.object({
  name: z.string(),
  region: z.string(),
  kubernetesVersion: z.string(),
  status: z.string(),
  createdAt: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  labels: clusterLabelsSchema,
});
export type DiscoveredCluster = z.infer<typeof discoveredClusterSchema>;

export const clusterScanResponseSchema = z.object({
  accountId: z.string(),
  /** EKS clusters of the scanned regions that the organization does not manage, by region then name. */
  items: z.array(discoveredClusterSchema),
  /** Clusters already managed in the scanned regions (not listed again). */
  managedCount: z.number().int().nonnegative(),
  /** A region that failed is reported, the others still answer. */
  regions: z.array(
    z.object({
      region: z.string(),
      ok: z.boolean(),
      clusterCount: z.number().int(),
      error: z.string().nullable(),
    }),
  ),
});
export type ClusterScanResponse = z.infer<typeof clusterScanResponseSchema>;

const clusterNameSchema = z
  .string()
  .regex(
    /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
    'A cluster name is 1-100 letters, digits, hyphens and underscores, starting with a letter or digit (as EKS names are).',
  );
const labelValue = z.string().trim().max(64, 'Keep tags to 64 characters.').nullable().optional();

/** `POST /api/client/clusters`: adopt a cluster the scan found, or register one by its kubeconfig. */
export const addClusterBodySchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('discovered'),
    accountId: z.string().min(1).max(64),
    region: awsRegionSchema,
    name: clusterNameSchema,
    env: labelValue,
    team: labelValue,
  }),
  z.object({
    method: z.literal('kubeconfig'),
    /** The connected AWS account the cluster's nodes run in (their costs come from it). */
    accountId: z.string().min(1).max(64),
    region: awsRegionSchema,
    name: clusterNameSchema,
    kubeconfig: z
      .string()
      .min(1, 'Paste or upload the kubeconfig file.')
      .max(kubeconfigMaxBytes, `The kubeconfig is larger than ${kubeconfigMaxBytes / 1024} KiB.`),
    env: labelValue,
    team: labelValue,
  }),
]);
export type AddClusterBody = z.infer<typeof addClusterBodySchema>;

export const addClusterResponseSchema = z.object({
  clusterId: z.string(),
  name: z.string(),
  region: z.string(),
  accountId: z.string(),
  method: z.enum(['discovered', 'kubeconfig']),
  tags: z.record(z.string(), z.string()),
  /** What was stored of a kubeconfig (never the credential): server and how it authenticates. */
  kubeconfig: z.object({ server: z.string(), auth: z.string() }).nullable(),
});
export type AddClusterResponse = z.infer<typeof addClusterResponseSchema>;

/** At most this many clusters per adopt request; the wizard sends a larger selection in parts. */
export const adoptMaxClusters = 50;

/** `POST /api/client/clusters/adopt`: several clusters of one scan, each adopted (and audited) on its own. */
export const adoptClustersBodySchema = z.strictObject({
  accountId: z.string().min(1).max(64),
  clusters: z
    .array(
      z.strictObject({
        region: awsRegionSchema,
        name: clusterNameSchema,
        env: labelValue,
        team: labelValue,
      }),
    )
    .min(1, 'clusters: pick at least one of the clusters the scan found.')
    .max(adoptMaxClusters, `clusters: at most ${adoptMaxClusters} per request; send the rest in another.`)
    .refine(
      (list) => new Set(list.map((c) => `${c.region}/${c.name}`)).size === list.length,
      'clusters: each cluster (region and name) may be listed once.',
    ),
});
export type AdoptClustersBody = z.infer<typeof adoptClustersBodySchema>;

export const adoptClusterResultSchema = z.object({
  region: z.string(),
  name: z.string(),
  outcome: z.enum(['added', 'failed']),
  clusterId: z.string().nullable(),
  tags: z.record(z.string(), z.string()).nullable(),
  /** What happened, or why not, in words a person can act on. */
  message: z.string(),
  errorCode: z.string().nullable(),
});
export const adoptClustersResponseSchema = z.object({
  accountId: z.string(),
  added: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  results: z.array(adoptClusterResultSchema),
});
export type AdoptClustersResponse = z.infer<typeof adoptClustersResponseSchema>;

/**
 * `PUT /api/client/clusters/{id}/kubeconfig` (ADR 0065): the kubeconfig the agentless collector reads the
 * cluster with, set or replaced (after a token rotation, say). Validated like the upload; stored sealed.
 */
export const replaceKubeconfigBodySchema = z.strictObject({
  kubeconfig: z
    .string()
    .min(1, 'Paste or upload the kubeconfig file.')
    .max(kubeconfigMaxBytes, `The kubeconfig is larger than ${kubeconfigMaxBytes / 1024} KiB.`),
});
export type ReplaceKubeconfigBody = z.infer<typeof replaceKubeconfigBodySchema>;

/** What was stored (never the credential), and whether it replaced an earlier file. */
export const replaceKubeconfigResponseSchema = z.object({
  clusterId: z.string(),
  server: z.string(),
  auth: z.enum(['token', 'client-certificate', 'aws-eks-get-token']),
  replaced: z.boolean(),
  updatedAt: z.string(),
});
export type ReplaceKubeconfigResponse = z.infer<typeof replaceKubeconfigResponseSchema>;

/** How long an install token can be redeemed by the agent's first push. */
export const installTokenTtlSeconds = 3600;
export const installTokenPrefix = 'spot_ins_';

export const installCommandsSchema = z.object({
  helm: z.string(),
  /** This deployment's manifest (`manifestUrl`) with the cluster's values filled in, piped to `kubectl apply -f -`. */
  kubectl: z.string(),
  /** `GET /api/agent/manifest.yaml` of this deployment: the agent's plain manifest, no secret in it. */
  manifestUrl: z.string(),
  /** The agent's packaged Helm chart served by this deployment, which the Helm and Terraform forms install. */
  chartUrl: z.string(),
  terraform: z.string(),
});
export type InstallCommands = z.infer<typeof installCommandsSchema>;

export const installTokenResponseSchema = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  /** Shown once; stored only as its SHA-256. */
  token: z.string(),
  expiresAt: z.string(),
  install: installCommandsSchema,
});
export type InstallTokenResponse = z.infer<typeof installTokenResponseSchema>;

/** Where this deployment serves the agent's plain manifest (public: it holds no secret). */
export const agentManifestPath = '/api/agent/manifest.yaml';

/**
 * The agent's Helm chart (agent/helm/spot-optimizer-agent), packaged as `helm package` names it and served
 * by this deployment (ADR 0075). The version is the chart's `Chart.yaml` version: a test and the server
 * itself check the two agree, so a chart bump changes the URL with it.
 */
/**
 * Where the agent's image is pulled from unless a deployment names its own registry (`AGENT_IMAGE_REPOSITORY`
 * of the functions, set by the CDK stack from `-c agentImageRepository=…`): the served manifest's `image:`
 * and the served chart's `image.repository`. The tag is the agent's version (the chart's appVersion).
 */
export const defaultAgentImageRepository = 'ghcr.io/spot-optimizer/spot-optimizer-agent';
/** An image repository as Kubernetes and OCI take it: `[host[:port]/]path`, lowercase, no tag or digest. */
const imageRepositoryPattern = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
export const isAgentImageRepository = (value: string): boolean =>
  value.length <= 255 && imageRepositoryPattern.test(value);

export const agentChartName = 'spot-optimizer-agent';
export const agentChartVersion = '0.1.0';
export const agentChartPath = `/api/agent/${agentChartName}-${agentChartVersion}.tgz` as const;
/**
 * The command that upgrades an installed agent to `version` with the chart this deployment serves,
 * keeping the release's values (its token, cluster name, write mode). The agent cannot replace its own
 * Deployment, so its answer to an upgrade command is this line, and so is the bulk action's when no
 * agent takes commands.
 */
export const agentHelmUpgradeCommand = (apiUrl: string, version: string) =>
  `helm upgrade spot-optimizer-agent ${apiUrl}${agentChartPath} --namespace spot-optimizer --reuse-values --set image.tag=${version}`;
/** The chart's row of the route table and of `apiContracts`. */
export const agentChartRouteKey = `GET ${agentChartPath}` as const;

/**
 * The values of agent/manifests/agent.yaml marked CHANGE ME, spelled exactly as the file spells them: the
 * served manifest has the first filled in, the kubectl command's `sed` fills the other two.
 */
export const agentManifestPlaceholders = {
  apiUrl: 'CHANGE ME: https://spot.example.com',
  clusterName: 'CHANGE ME: the EKS cluster name',
  token: "CHANGE ME: the cluster's agent token",
} as const;

// What may go into the manifest's double-quoted YAML strings and a `sed s|…|…|` replacement as is: a
// quote, backslash, `|` or `&` would end the string or mean something to sed.
const plainUrl = /^https?:\/\/[^\s"'\\|&]+$/;
const plainValue = /^[A-Za-z0-9_.:/-]+$/;

/**
 * The agent's plain manifest as `GET /api/agent/manifest.yaml` serves it: agent/manifests/agent.yaml with
 * the URL of Spot Optimizer filled in, and the deployment's image repository in place of the default one. The cluster name and the token stay CHANGE ME: the file is the
 * same for every cluster and caller, so it can be public. Throws when the file lost one of its
 * placeholders (the install command's `sed` would then leave the agent without its value).
 */
export function renderAgentManifest(
  template: string,
  apiUrl: string,
  imageRepository: string = defaultAgentImageRepository,
): string {
  if (!plainUrl.test(apiUrl)) throw new Error(`Not a plain http(s) URL: ${apiUrl}`);
  if (!isAgentImageRepository(imageRepository))
    throw new Error(`Not an image repository (host/path, lowercase, no tag): ${imageRepository}`);
  for (const placeholder of Object.values(agentManifestPlaceholders))
    if (template.split(placeholder).length !== 2)
      throw new Error(`agent.yaml must hold "${placeholder}" exactly once`);
  const image = `image: ${defaultAgentImageRepository}:`;
  if (template.split(image).length !== 2)
    throw new Error(`agent.yaml must hold "${image}<tag>" exactly once`);
  // The file's opening comment tells a reader to fill in three values by hand; this one says what is left.
  const body = template.replace(/^(#.*\n)+/, '');
  return [
    '# The in-cluster agent of Spot Optimizer (the Helm chart renders the same objects), as served by',
    `# ${apiUrl}${agentManifestPath}: the URL of Spot Optimizer is filled in; the EKS cluster name and`,
    "# the cluster's install token are left to the install command of the Add Cluster wizard.",
    body.replace(agentManifestPlaceholders.apiUrl, apiUrl).replace(image, `image: ${imageRepository}:`),
  ].join('\n');
}

/** A `sed` basic regular expression matching `text` literally; `.` stands for an apostrophe (see below). */
const sedLiteral = (text: string) => text.replace(/[.[\]*^$\\]/g, '\\$&').replace(/'/g, '.');

/**
 * The three ways to install the agent with a token: the Helm command, the plain manifest (the token in
 * its Secret first), and a Terraform `helm_release`. `apiUrl` is where the agent reports (the web app's
 * origin, which also serves the manifest and the packaged chart). The token is the only secret in them;
 * Terraform reads it from a variable, not from the file.
 */
export function installCommands(apiUrl: string, clusterName: string, token: string): InstallCommands {
  if (!plainValue.test(clusterName) || !plainValue.test(token))
    throw new Error('The cluster name and token must be plain (letters, digits, _ . : / -)');
  // Helm and Terraform's helm_release install a packaged chart straight from its URL: no chart repository
  // to add, and the chart is the one of this deployment's release.
  const chartUrl = `${apiUrl}${agentChartPath}`;
  const helm = [
    `helm upgrade --install spot-optimizer-agent ${chartUrl}`,
    '--namespace spot-optimizer --create-namespace',
    `--set apiUrl=${apiUrl} --set clusterName=${clusterName} --set token=${token}`,
  ].join(' \\\n  ');
  // This deployment's manifest (the API URL already in it), its two other CHANGE ME values filled in by
  // sed, applied in one pipe so the token is never written to a file. The token travels in sed's
  // arguments, not in the URL: a query string would land in the CDN's and API Gateway's access logs.
  // (An apostrophe would end the shell quote, so the pattern matches it with `.`.)
  const manifestUrl = `${apiUrl}${agentManifestPath}`;
  const kubectl = [
    `curl -fsSL ${manifestUrl} \\`,
    `  | sed -e 's|${sedLiteral(agentManifestPlaceholders.clusterName)}|${clusterName}|' \\`,
    `        -e 's|${sedLiteral(agentManifestPlaceholders.token)}|${token}|' \\`,
    '  | kubectl apply -f -',
  ].join('\n');
  const terraform = [
    'variable "spot_optimizer_install_token" {',
    '  type      = string',
    '  sensitive = true',
    '}',
    '',
    'resource "helm_release" "spot_optimizer_agent" {',
    '  name             = "spot-optimizer-agent"',
    `  chart            = "${chartUrl}"`,
    '  namespace        = "spot-optimizer"',
    '  create_namespace = true',
    '',
    '  set {',
    '    name  = "apiUrl"',
    `    value = "${apiUrl}"`,
    '  }',
    '  set {',
    '    name  = "clusterName"',
    `    value = "${clusterName}"`,
    '  }',
    '  set_sensitive {',
    '    name  = "token"',
    '    value = var.spot_optimizer_install_token',
    '  }',
    '}',
  ].join('\n');
  return { helm, kubectl, manifestUrl, chartUrl, terraform };
}

/** One Kubernetes permission: a verb on a resource (`deployments.apps`: resource then API group), and why. */
export interface KubernetesRule {
  verb: string;
  resource: string;
  why: string;
}

/** The Kubernetes permissions the agent's read-only ClusterRole needs (agent/manifests/agent.yaml). */
export const agentKubernetesRules: readonly KubernetesRule[] = [
  { verb: 'list', resource: 'nodes', why: 'capacity, instance types and zones of the nodes' },
  { verb: 'list', resource: 'pods', why: 'requests, owners and spot readiness of the workloads' },
  { verb: 'list', resource: 'events', why: 'pressure events and spot interruptions' },
  { verb: 'list', resource: 'deployments.apps', why: 'replica counts of the workloads' },
  { verb: 'list', resource: 'replicasets.apps', why: 'owners of the pods' },
  { verb: 'list', resource: 'poddisruptionbudgets.policy', why: 'whether a pod may be disrupted' },
  { verb: 'list', resource: 'horizontalpodautoscalers.autoscaling', why: 'HPA-aware rightsizing' },
  { verb: 'list', resource: 'nodes.metrics.k8s.io', why: 'CPU and memory used (metrics-server)' },
];
/** What the person running the install needs (Helm creates these objects). */
export const installerKubernetesRules: readonly KubernetesRule[] = [
  { verb: 'create', resource: 'namespaces', why: 'the spot-optimizer namespace' },
  { verb: 'create', resource: 'clusterroles.rbac.authorization.k8s.io', why: "the agent's read-only role" },
  {
    verb: 'create',
    resource: 'clusterrolebindings.rbac.authorization.k8s.io',
    why: 'binding it to the agent',
  },
  { verb: 'create', resource: 'deployments.apps', why: 'the agent itself' },
  { verb: 'create', resource: 'secrets', why: "the agent's token" },
];

/**
 * A shell script of `kubectl auth can-i` checks, run with the installer's kubeconfig before the install:
 * it prints every missing permission by name and exits non-zero when one is missing.
 */
export function kubernetesPreflightScript(): string {
  const check = (r: { verb: string; resource: string }, as: string) =>
    `kubectl auth can-i ${r.verb} ${r.resource}${as} >/dev/null 2>&1 || { echo "MISSING: ${r.verb} ${r.resource}${as ? ' (agent)' : ''}"; missing=1; }`;
  return [
    '#!/bin/sh',
    '# Spot Optimizer pre-flight: the Kubernetes permissions the install and the agent need.',
    'missing=0',
    ...installerKubernetesRules.map((r) => check(r, '')),
    ...agentKubernetesRules.map((r) =>
      check(r, ' --as=system:serviceaccount:spot-optimizer:spot-optimizer-agent'),
    ),
    '[ "$missing" = 0 ] && echo "Pre-flight OK" || exit 1',
  ].join('\n');
}

/**
 * `deployments.apps` -> `{ group: 'apps', resource: 'deployments' }`, as a SelfSubjectAccessReview's
 * `resourceAttributes` and a ClusterRole rule take it; a core resource (`events`) has the group `""`.
 */
export function ruleAttributes(rule: Pick<KubernetesRule, 'verb' | 'resource'>): {
  verb: string;
  group: string;
  resource: string;
} {
  const dot = rule.resource.indexOf('.');
  return dot < 0
    ? { verb: rule.verb, group: '', resource: rule.resource }
    : { verb: rule.verb, group: rule.resource.slice(dot + 1), resource: rule.resource.slice(0, dot) };
}

/** A permission by name, with why it is needed: "list events — pressure events and spot interruptions". */
export const kubernetesPermissionName = (rule: KubernetesRule): string =>
  `${rule.verb} ${rule.resource} — ${rule.why}`;

/**
 * What a collection says of the lists the cluster refused (`ClusterSnapshot.deniedLists`), on the cluster's
 * collection state: each permission named with why it is needed, and that the snapshot lacks its part.
 * `null` when none was refused (an ordinary collection).
 */
export function deniedListsReason(deniedLists: readonly string[] | undefined): string | null {
  if (!deniedLists || deniedLists.length === 0) return null;
  const names = deniedLists.map((resource) => {
    const rule = agentKubernetesRules.find((r) => r.resource === resource);
    return rule ? kubernetesPermissionName(rule) : `list ${resource}`;
  });
  const one = names.length === 1;
  return `Read without ${one ? 'a permission' : `${names.length} permissions`}: the cluster refused ${names.join('; ')} (HTTP 403), so ${one ? 'that part is' : 'those parts are'} missing from its figures. Add ${one ? 'it' : 'them'} to the read-only ClusterRole Spot Optimizer reads with (agent/manifests/agentless-rbac.yaml, or the agent's ClusterRole).`;
}

/** The ClusterRole rule (YAML, one `rules:` entry) that grants a missing permission: the fix to apply. */
export function rbacRuleFix(rule: Pick<KubernetesRule, 'verb' | 'resource'>): string {
  const a = ruleAttributes(rule);
  return [`- apiGroups: ["${a.group}"]`, `  resources: ["${a.resource}"]`, `  verbs: ["${a.verb}"]`].join(
    '\n',
  );
}

/** One SelfSubjectAccessReview's answer: may the subject do `verb` on `resource`, and the server's reason. */
export const kubernetesAccessResultSchema = z.object({
  verb: z.string().min(1).max(32),
  resource: z.string().min(1).max(128),
  allowed: z.boolean(),
  /** The authorizer's reason or evaluation error, as the API server gave it (`null` when it gave none). */
  reason: z.string().max(500).nullable(),
});
export type KubernetesAccessResult = z.infer<typeof kubernetesAccessResultSchema>;

/**
 * What the in-cluster agent reports of its own permissions (ADR 0070): a SelfSubjectAccessReview per rule
 * of {@link agentKubernetesRules}, made with its service account at start and before each snapshot, sent
 * with its pushes (`permissions` of the ingest body) and kept on the cluster (`agent.permissions`).
 */
export const agentPermissionReportSchema = z.object({
  checkedAt: z.iso.datetime({ offset: true }),
  checks: z.array(kubernetesAccessResultSchema).max(50),
});
export type AgentPermissionReport = z.infer<typeof agentPermissionReportSchema>;

export const kubernetesPermissionCheckSchema = kubernetesAccessResultSchema.extend({
  why: z.string(),
  /** "list events — pressure events and spot interruptions". */
  name: z.string(),
  /** The ClusterRole rule to add when it is missing (YAML). */
  fix: z.string(),
});
export type KubernetesPermissionCheck = z.infer<typeof kubernetesPermissionCheckSchema>;

/** The Kubernetes permissions as checked in the cluster, by whom, and the missing ones by name. */
export const kubernetesVerificationSchema = z.object({
  /**
   * `kubeconfig`: SelfSubjectAccessReviews made now with the uploaded kubeconfig; `access-entry`: made now
   * as the account's role through its EKS access entry (a cluster adopted by discovery, no kubeconfig);
   * `agent`: the agent's report.
   */
  source: z.enum(['kubeconfig', 'access-entry', 'agent']),
  /** Whose permissions these are, in words. */
  subject: z.string(),
  /** Where a missing rule (`checks[].fix`) goes for this subject, in words: the ClusterRole bound to it. */
  fixHint: z.string(),
  /**
   * Whether this check is part of the pre-flight's `ok`. False for the access entry of a cluster whose
   * agent reports: the collector reads through the entry only while the agent is silent (a fallback).
   */
  required: z.boolean(),
  checkedAt: z.string(),
  checks: z.array(kubernetesPermissionCheckSchema),
  /** The missing ones by name ("list events — pressure events and spot interruptions"). */
  missing: z.array(z.string()),
  /** The cluster could not be asked (unreachable, credential refused): what to do. `checks` is then empty. */
  error: z.string().nullable(),
});
export type KubernetesVerification = z.infer<typeof kubernetesVerificationSchema>;

/** The Kubernetes group our docs and agentless-rbac.yaml give the role's EKS access entry. */
export const accessEntryKubernetesGroup = 'spot-optimizer:readonly';

const verificationSubjects = {
  kubeconfig: "the uploaded kubeconfig's credential",
  'access-entry': `the Spot Optimizer role's EKS access entry (Kubernetes group ${accessEntryKubernetesGroup})`,
  agent: "the agent's service account spot-optimizer/spot-optimizer-agent",
} as const;

/**
 * Where a missing rule goes. EKS access policies (AmazonEKSViewPolicy and the like) cannot be edited, so
 * for the access entry the rule goes into the ClusterRole that agentless-rbac.yaml binds to the entry's
 * Kubernetes group, and the entry must carry that group.
 */
const verificationFixHints = {
  kubeconfig:
    "Add it to the rules of the ClusterRole bound to the kubeconfig's user (agent/manifests/agentless-rbac.yaml has the full read-only role):",
  'access-entry': `Add it to the rules of ClusterRole spot-optimizer-readonly (kubectl apply -f agent/manifests/agentless-rbac.yaml, which binds it to the group ${accessEntryKubernetesGroup}), and make sure the role's EKS access entry has that Kubernetes group (aws eks update-access-entry --kubernetes-groups ${accessEntryKubernetesGroup}); EKS access policies cannot be edited, so a rule is added through the group:`,
  agent:
    "Add it to the rules of ClusterRole spot-optimizer-agent-read (agent/manifests/agent.yaml, or the Helm chart's templates/clusterrole.yaml):",
} as const;

/**
 * The agent's rules checked against `results` (SelfSubjectAccessReview answers): each rule allowed or not,
 * with its fix; a rule the results do not answer counts as missing (an agent of another version, say).
 */
export function kubernetesVerification(
  source: KubernetesVerification['source'],
  checkedAt: string,
  results: readonly KubernetesAccessResult[],
  error: string | null = null,
  required = true,
): KubernetesVerification {
  const checks =
    error !== null
      ? []
      : agentKubernetesRules.map((rule) => {
          const r = results.find((x) => x.verb === rule.verb && x.resource === rule.resource);
          return {
            verb: rule.verb,
            resource: rule.resource,
            allowed: r?.allowed ?? false,
            reason: r ? r.reason : 'not checked',
            why: rule.why,
            name: kubernetesPermissionName(rule),
            fix: rbacRuleFix(rule),
          };
        });
  return {
    source,
    subject: verificationSubjects[source],
    fixHint: verificationFixHints[source],
    required,
    checkedAt,
    checks,
    missing: checks.filter((c) => !c.allowed).map((c) => c.name),
    error,
  };
}

export const preflightCheckSchema = z.object({
  action: z.string(),
  allowed: z.boolean(),
  why: z.string(),
  reason: z.string().nullable(),
});

/** `POST /api/client/clusters/{id}/preflight`. */
export const preflightResponseSchema = z.object({
  clusterId: z.string(),
  /**
   * True when every IAM action is allowed and no required verified Kubernetes permission is missing (nor
   * could not be checked). Without any check in the cluster, only IAM counts.
   */
  ok: z.boolean(),
  iam: z.array(preflightCheckSchema),
  /** The missing IAM actions by name (the Kubernetes ones are in `kubernetes.verified[].missing`). */
  missing: z.array(z.string()),
  kubernetes: z.object({
    /** The `kubectl auth can-i` script: the check before the install, run with the installer's kubeconfig. */
    script: z.string(),
    /**
     * The permissions checked in the cluster (ADR 0070): with the uploaded kubeconfig, else as the role's
     * EKS access entry (both checked now), and the agent's own report once it has pushed, side by side.
     */
    verified: z.array(kubernetesVerificationSchema),
    rules: z.array(
      z.object({
        verb: z.string(),
        resource: z.string(),
        why: z.string(),
        who: z.enum(['installer', 'agent']),
      }),
    ),
  }),
  checkedAt: z.string(),
});
export type PreflightResponse = z.infer<typeof preflightResponseSchema>;
