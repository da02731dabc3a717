/**
 * The sandbox's generated world: accounts, EKS clusters, node groups and workloads. Everything here is
 * built once from the seed by `buildWorld` and never changes; what varies with time (node counts,
 * usage, interruptions) is computed from it by `simulation.ts`. Same seed and size, same world.
 *
 * Sizes: `default` is 2 accounts, 4 regions, 12 clusters of 5 to 300 nodes (~820 nodes at the weekday
 * peak); `large` adds 2 accounts and 38 clusters (50 in all, ~5,000 nodes at the peak); `small` keeps the
 * default's 7 clusters of at most 40 nodes (tests that need whole discoveries, not a big fleet); `e2e` is
 * `small` plus a third account of 4 small dev clusters, a fourth of tiny ones and a fifth of one tiny
 * cluster, so that five browser specs can each connect an account of their own and run side by side, and no scan of a 300-node cluster
 * holds up the local stack that all of them share (ADR 0056). One cluster of the fourth account exists
 * only once someone creates it (`createdOnRequest`): a cluster made after the account was connected,
 * which the Add Cluster wizard's scan finds unmanaged (ADR 0051).
 */
import { type EksAllocatable, eksAllocatable } from '@spot/shared/pricing/index';
import type { Environment } from './cycles';
import { catalogType, sandboxOnDemandUsd, spotAdvice, spotHourlyHazard } from './prices';
import { hashString, hexId, Rng } from './random';
import { utilizationTraces } from './traces';

export type SandboxSize = 'default' | 'large' | 'small' | 'e2e';
export type NodeGroupKind = 'managed' | 'self-managed' | 'karpenter';
export type PoolRole = 'system' | 'general' | 'memory' | 'batch' | 'gpu' | 'burstable';
export type GroupCapacity = 'on-demand' | 'spot' | 'mixed';
export type Architecture = 'x86_64' | 'arm64';

/** Creation dates are drawn after this instant, so the world does not depend on when it is built. */
export const SANDBOX_EPOCH_MS = Date.UTC(2023, 0, 2);

export interface SandboxAccount {
  awsAccountId: string;
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The region the connection wizard should start in (where its first cluster is). */
  homeRegion: string;
}

export interface Quantities {
  cpuMilli: number;
  memoryMiB: number;
  /** Extended resources in milli-units (`nvidia.com/gpu`). */
  resources: Record<string, number>;
}

/** Static facts of one position in a node group (a node group's i-th node is always of this type). */
export interface NodeSlot {
  index: number;
  instanceType: string;
  family: string;
  architecture: Architecture;
  zone: string;
  capacityType: 'on-demand' | 'spot';
  /** The sandbox price book's on-demand price in the cluster's region, USD/h. */
  onDemandHourlyUsd: number;
  /** Interruption hazard per hour (0 for on-demand). */
  hourlyHazard: number;
  allocatable: EksAllocatable;
}

export interface SandboxNodeGroup {
  /** `<cluster>/<name>`: the key of scaling overrides. */
  key: string;
  hash: number;
  name: string;
  clusterName: string;
  kind: NodeGroupKind;
  role: PoolRole;
  capacity: GroupCapacity;
  /** Mixed groups: the first nodes are on-demand, then this share of the rest (ASG mixed instances). */
  onDemandBase: number;
  onDemandPercentAboveBase: number;
  architecture: Architecture;
  instanceTypes: string[];
  /** Pick weight of each type, in the order of `instanceTypes`. */
  typeWeights: number[];
  zones: string[];
  minSize: number;
  maxSize: number;
  /** Static groups keep this size; autoscaled groups follow their pods' requests within [min, max]. */
  fixedSize: number;
  autoscaled: boolean;
  /** Requested / allocatable the autoscaler aims for (cluster-autoscaler ~0.7, Karpenter ~0.85). */
  packingTarget: number;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** ASG behind the group: EKS's `eks-<name>-<uuid>` for managed, its own for self-managed, none for Karpenter. */
  autoScalingGroupName: string | null;
  /** Nodes are replaced (AMI roll-out, Karpenter drift) every this many hours, at a group-specific phase. */
  refreshPeriodHours: number;
  refreshPhaseHours: number;
  createdAtMs: number;
  /** Smallest allocatable over the group's types, less the DaemonSets that run on it. */
  podCapacityPerNode: Quantities & { pods: number };
  region: string;
}

export interface SandboxContainer {
  name: string;
  requests: Quantities;
  limits: Partial<Quantities>;
  /** CPU use at the workload's peak, as a share of the request. */
  cpuShare: number;
  /** Memory use (working set) on average, as a share of the request. */
  memoryShare: number;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'CronJob';

export interface SandboxWorkload {
  /** `<namespace>/<kind>/<name>`. */
  key: string;
  hash: number;
  namespace: string;
  name: string;
  kind: WorkloadKind;
  nodeGroup: string;
  /** Replicas at the peak (HPA), the fixed count, or a CronJob's parallelism. */
  replicas: number;
  hpa: { minReplicas: number; maxReplicas: number; metrics: ('cpu' | 'memory' | 'custom')[] } | null;
  /** CronJobs: every hour at `minute`, or daily at `hourUtc:minute`, running `durationMinutes`. */
  cron: { everyHours: 1 | 24; minute: number; hourUtc: number; durationMinutes: number } | null;
  containers: SandboxContainer[];
  pvcs: string[];
  pdb: { name: string; maxUnavailable: number } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeSelector: Record<string, string>;
  tolerations: { key?: string; operator?: string; value?: string; effect?: string }[];
  /** Index into `utilizationTraces()` and a week shift, so replicas of one workload share a shape. */
  trace: number;
  traceWeekShift: number;
  /** Probability per pod and hour of an OOM kill at full load (0 for most workloads). */
  oomHourlyProbability: number;
  /** Expected roll-outs per office day (new pods, new ReplicaSet hash). */
  rolloutsPerDay: number;
  requests: Quantities;
}

export interface SandboxDaemonSet {
  namespace: string;
  name: string;
  requests: Quantities;
  usage: { cpuMilli: number; memoryMiB: number };
  /** Runs only on nodes of these roles (e.g. the NVIDIA device plugin); all nodes when absent. */
  roles?: PoolRole[];
}

export interface SandboxCluster {
  key: string;
  hash: number;
  name: string;
  arn: string;
  awsAccountId: string;
  region: string;
  env: Environment;
  team: string;
  /** IANA zone of the team: daily and weekly cycles follow it. */
  timeZone: string;
  kubernetesVersion: string;
  createdAtMs: number;
  endpoint: string;
  tags: Record<string, string>;
  vpcId: string;
  zones: string[];
  securityGroups: { groupId: string; groupName: string; description: string }[];
  nodeGroups: SandboxNodeGroup[];
  workloads: SandboxWorkload[];
  daemonSets: SandboxDaemonSet[];
  /** Control-plane p99 latency on a quiet hour, ms. */
  baseLatencyMs: number;
  /** Nodes at the weekday peak the generator aimed for. */
  plannedPeakNodes: number;
  /**
   * The cluster is not in its account until someone creates it (`POST /sandbox/clusters/{name}/create`):
   * a cluster a team makes after the account was connected, unmanaged until the next discovery.
   */
  createdOnRequest?: true;
}

/** EC2 instances outside any cluster (bastions, build servers): discovery must skip them. */
export interface StandaloneInstance {
  awsAccountId: string;
  region: string;
  zone: string;
  instanceId: string;
  instanceType: string;
  name: string;
  launchTimeMs: number;
  privateIp: string;
}

export interface SandboxWorld {
  seed: number;
  size: SandboxSize;
  accounts: SandboxAccount[];
  clusters: SandboxCluster[];
  standaloneInstances: StandaloneInstance[];
}

// ---------------------------------------------------------------------------------------------------
// Plans: which clusters exist, where, and how big.

interface ClusterPlan {
  name: string;
  account: number;
  region: string;
  env: Environment;
  team: string;
  timeZone: string;
  peakNodes: number;
  recipe: RecipeName;
  createdOnRequest?: true;
}

type RecipeName =
  | 'prod-large'
  | 'prod-small'
  | 'staging'
  | 'dev'
  | 'dev-ml'
  | 'dev-tiny'
  | 'dev-tiny-karpenter';

const regionShort: Record<string, string> = {
  'us-east-1': 'use1',
  'us-west-2': 'usw2',
  'eu-west-1': 'euw1',
  'ap-southeast-1': 'apse1',
};
export const sandboxRegions = Object.keys(regionShort);

const defaultPlans: readonly ClusterPlan[] = [
  plan('prod', 'storefront', 'us-east-1', 0, 300, 'prod-large', 'America/New_York'),
  plan('prod', 'payments', 'us-east-1', 0, 120, 'prod-large', 'America/New_York'),
  plan('prod', 'storefront', 'eu-west-1', 0, 150, 'prod-large', 'Europe/Dublin'),
  plan('prod', 'search', 'us-west-2', 0, 60, 'prod-small', 'America/Los_Angeles'),
  plan('prod', 'storefront', 'ap-southeast-1', 0, 45, 'prod-small', 'Asia/Singapore'),
  plan('staging', 'storefront', 'us-east-1', 0, 40, 'staging', 'America/New_York'),
  plan('staging', 'payments', 'eu-west-1', 0, 20, 'staging', 'Europe/Berlin'),
  plan('dev', 'platform', 'us-east-1', 1, 35, 'dev', 'America/New_York'),
  plan('dev', 'data-science', 'us-west-2', 1, 25, 'dev-ml', 'America/Los_Angeles'),
  plan('dev', 'storefront', 'eu-west-1', 1, 16, 'dev', 'Europe/Berlin'),
  plan('dev', 'payments', 'ap-southeast-1', 1, 10, 'dev', 'Asia/Singapore'),
  plan('dev', 'sandbox', 'us-west-2', 1, 5, 'dev-tiny', 'America/Chicago'),
];

function plan(
  env: Environment,
  team: string,
  region: string,
  account: number,
  peakNodes: number,
  recipe: RecipeName,
  timeZone: string,
): ClusterPlan {
  return {
    name: `${env}-${team}-${regionShort[region] ?? region}`,
    account,
    region,
    env,
    team,
    timeZone,
    peakNodes,
    recipe,
  };
}

const regionZones: Record<string, string> = {
  'us-east-1': 'America/New_York',
  'us-west-2': 'America/Los_Angeles',
  'eu-west-1': 'Europe/Dublin',
  'ap-southeast-1': 'Asia/Singapore',
};
const extraTeams = [
  'catalog',
  'checkout',
  'identity',
  'logistics',
  'analytics',
  'messaging',
  'growth',
  'ads',
];

function plansOf(seed: number, size: SandboxSize): readonly ClusterPlan[] {
  if (size === 'large') return largePlans(seed);
  // The same clusters as in `default` (same names, ids and workloads), only fewer: a whole discovery of
  // account 0 is 2 clusters of 40 and 20 nodes instead of 7 of up to 300.
  if (size === 'small') return smallPlans;
  if (size === 'e2e') return [...smallPlans, ...e2ePlans];
  return defaultPlans;
}

const smallPlans = defaultPlans.filter((p) => p.peakNodes <= 40);

/** The third to fifth accounts of the `e2e` world: small dev clusters only, so a browser spec's scan is quick. */
const e2ePlans: readonly ClusterPlan[] = [
  plan('dev', 'analytics', 'us-east-1', 2, 12, 'dev', 'America/New_York'),
  plan('dev', 'identity', 'eu-west-1', 2, 8, 'dev', 'Europe/Berlin'),
  plan('dev', 'messaging', 'us-west-2', 2, 6, 'dev-tiny', 'America/Los_Angeles'),
  plan('dev', 'growth', 'ap-southeast-1', 2, 5, 'dev-tiny', 'Asia/Singapore'),
  // The fourth account (the Add Cluster browser spec's): one tiny cluster discovery adopts at connect, and
  // one the spec creates afterwards, so that the wizard's scan has an unmanaged cluster to adopt.
  plan('dev', 'ads', 'us-west-2', 3, 5, 'dev-tiny', 'America/Los_Angeles'),
  { ...plan('dev', 'checkout', 'eu-west-1', 3, 5, 'dev-tiny', 'Europe/Dublin'), createdOnRequest: true },
  // Three more the spec creates later: two adopted together on the Terraform path, one registered by
  // kubeconfig as a restricted cluster (no access entry for the platform's role; ADR 0059).
  { ...plan('dev', 'growth', 'eu-west-1', 3, 5, 'dev-tiny', 'Europe/Dublin'), createdOnRequest: true },
  { ...plan('dev', 'analytics', 'eu-west-1', 3, 5, 'dev-tiny', 'Europe/Dublin'), createdOnRequest: true },
  { ...plan('dev', 'messaging', 'eu-west-1', 3, 5, 'dev-tiny', 'Europe/Dublin'), createdOnRequest: true },
  // The fifth account (the cluster detail browser spec's): one tiny cluster, scanned at connect and again by
  // its page's Sync Now, with a Karpenter NodePool whose spot mode the spec switches.
  plan('dev', 'catalog', 'us-east-1', 4, 6, 'dev-tiny-karpenter', 'America/New_York'),
];

/** The large variant: the 12 default clusters plus 38 more, ~5,000 nodes at the weekday peak. */
function largePlans(seed: number): ClusterPlan[] {
  const rng = new Rng(seed, 'large-plans');
  const plans = [...defaultPlans];
  const used = new Set(plans.map((p) => p.name));
  const extra: ClusterPlan[] = [];
  while (extra.length < 38) {
    const env = rng.weighted<Environment>([
      ['prod', 0.45],
      ['staging', 0.25],
      ['dev', 0.3],
    ]);
    const region = rng.pick(sandboxRegions);
    const team = rng.pick(extraTeams);
    const account = env === 'dev' ? rng.pick([1, 3]) : rng.pick([0, 2]);
    // Log-uniform sizes between 5 and 300 nodes, larger for prod.
    const low = env === 'prod' ? Math.log(30) : Math.log(5);
    const peak = Math.round(Math.exp(rng.between(low, Math.log(300))));
    const recipe: RecipeName =
      env === 'prod'
        ? peak >= 80
          ? 'prod-large'
          : 'prod-small'
        : env === 'staging'
          ? 'staging'
          : peak < 8
            ? 'dev-tiny'
            : 'dev';
    const candidate = plan(env, team, region, account, peak, recipe, regionZones[region] ?? 'UTC');
    if (used.has(candidate.name)) continue;
    used.add(candidate.name);
    extra.push(candidate);
  }
  // Scale the extra clusters so that the whole fleet peaks near 5,000 nodes.
  const defaultTotal = plans.reduce((sum, p) => sum + p.peakNodes, 0);
  const extraTotal = extra.reduce((sum, p) => sum + p.peakNodes, 0);
  const factor = (5_000 - defaultTotal) / extraTotal;
  return [
    ...plans,
    ...extra.map((p) => ({ ...p, peakNodes: Math.max(5, Math.min(300, Math.round(p.peakNodes * factor))) })),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Recipes: the node groups of a cluster.

type FamilyList = 'system' | 'general' | 'compute' | 'memory' | 'batch' | 'burstable' | 'gpu';

const families: Record<FamilyList, Partial<Record<Architecture, string[]>>> = {
  system: { x86_64: ['m6i', 'm5'], arm64: ['m7g'] },
  general: { x86_64: ['m6i', 'm5', 'm5a', 'm6a', 'm7i'], arm64: ['m7g', 'm6g'] },
  compute: { x86_64: ['c6i', 'c5', 'c6a', 'c5a'], arm64: ['c7g', 'c6g', 'm7g', 'm6g'] },
  memory: { x86_64: ['r6i', 'r5', 'r5a'], arm64: ['r6g', 'r7g'] },
  batch: { x86_64: ['c6i', 'c5', 'c6a', 'c5a', 'm5'], arm64: ['c6g', 'c7g'] },
  burstable: { x86_64: ['t3', 't3a'] },
  gpu: { x86_64: ['g4dn'] },
};

interface GroupSpec {
  name: string;
  kind: NodeGroupKind;
  role: PoolRole;
  capacity: GroupCapacity;
  architecture: Architecture;
  familyList: FamilyList;
  /** Share of the cluster's non-system peak nodes. */
  share: number;
  autoscaled: boolean;
  typeCount: number;
  /** System groups: this many nodes. */
  fixedNodes?: number;
}

const group = (
  name: string,
  kind: NodeGroupKind,
  role: PoolRole,
  capacity: GroupCapacity,
  architecture: Architecture,
  familyList: FamilyList,
  share: number,
  autoscaled: boolean,
  typeCount: number,
  fixedNodes?: number,
): GroupSpec => ({
  name,
  kind,
  role,
  capacity,
  architecture,
  familyList,
  share,
  autoscaled,
  typeCount,
  fixedNodes,
});

const recipes: Record<RecipeName, GroupSpec[]> = {
  'prod-large': [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'system', 0, false, 1, 3),
    group('general-od', 'managed', 'general', 'on-demand', 'x86_64', 'general', 0.3, true, 1),
    group('general-spot', 'managed', 'general', 'spot', 'x86_64', 'general', 0.25, true, 4),
    group('graviton', 'karpenter', 'general', 'mixed', 'arm64', 'compute', 0.2, true, 4),
    group('memory', 'self-managed', 'memory', 'on-demand', 'x86_64', 'memory', 0.15, true, 1),
    group('batch', 'karpenter', 'batch', 'spot', 'x86_64', 'batch', 0.1, true, 4),
  ],
  'prod-small': [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'system', 0, false, 1, 2),
    group('apps-arm', 'managed', 'general', 'on-demand', 'arm64', 'general', 0.5, true, 1),
    group('apps-spot', 'managed', 'general', 'spot', 'x86_64', 'general', 0.3, true, 3),
    group('memory', 'self-managed', 'memory', 'on-demand', 'arm64', 'memory', 0.2, true, 1),
  ],
  staging: [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'system', 0, false, 1, 2),
    group('general-spot', 'managed', 'general', 'spot', 'x86_64', 'general', 0.5, true, 3),
    group('legacy-workers', 'self-managed', 'burstable', 'mixed', 'x86_64', 'burstable', 0.3, false, 2),
    group('batch', 'karpenter', 'batch', 'spot', 'x86_64', 'batch', 0.2, true, 3),
  ],
  dev: [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'burstable', 0, false, 1, 2),
    group('apps', 'managed', 'general', 'on-demand', 'x86_64', 'general', 0.6, true, 1),
    group('legacy-workers', 'self-managed', 'burstable', 'mixed', 'x86_64', 'burstable', 0.4, false, 2),
  ],
  'dev-ml': [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'burstable', 0, false, 1, 2),
    group('apps', 'managed', 'general', 'on-demand', 'x86_64', 'general', 0.4, true, 1),
    group('gpu', 'managed', 'gpu', 'on-demand', 'x86_64', 'gpu', 0.45, true, 1),
    group('notebooks', 'self-managed', 'memory', 'spot', 'arm64', 'memory', 0.15, false, 2),
  ],
  'dev-tiny': [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'burstable', 0, false, 1, 2),
    group('apps-spot', 'managed', 'burstable', 'spot', 'x86_64', 'burstable', 1, true, 2),
  ],
  // The cluster detail browser spec's: a tiny cluster with a customer's Karpenter NodePool to edit (ADR 0079).
  'dev-tiny-karpenter': [
    group('system', 'managed', 'system', 'on-demand', 'x86_64', 'burstable', 0, false, 1, 2),
    group('apps-spot', 'managed', 'burstable', 'spot', 'x86_64', 'burstable', 0.6, true, 2),
    // General workloads (not batch): the pool has nodes at every hour, so discovery always lists it.
    group('batch', 'karpenter', 'general', 'spot', 'x86_64', 'general', 0.4, true, 2),
  ],
};

function sizeFor(role: PoolRole, familyList: FamilyList, peakNodes: number, rng: Rng): string {
  if (familyList === 'gpu') return 'xlarge';
  if (role === 'system') return peakNodes >= 100 ? 'xlarge' : 'large';
  if (familyList === 'burstable') return peakNodes >= 20 ? 'xlarge' : 'large';
  if (peakNodes >= 100) return role === 'batch' ? rng.pick(['2xlarge', '4xlarge']) : '2xlarge';
  if (peakNodes >= 20) return role === 'memory' ? '2xlarge' : 'xlarge';
  return 'xlarge';
}

// ---------------------------------------------------------------------------------------------------
// Names.

const serviceNames: Record<string, string[]> = {
  storefront: [
    'web-frontend',
    'product-catalog',
    'cart',
    'checkout',
    'search-proxy',
    'recommendations',
    'inventory',
    'pricing',
    'reviews',
    'image-resizer',
    'cms',
    'graphql-gateway',
    'promotions',
    'wishlist',
    'store-locator',
  ],
  payments: [
    'payments-api',
    'ledger',
    'fraud-scoring',
    'refunds',
    'payouts',
    'card-vault',
    'risk-engine',
    'invoicing',
    'reconciliation',
    'webhooks',
    'fx-rates',
    'settlement',
  ],
  search: [
    'query-api',
    'indexer',
    'ranker',
    'autocomplete',
    'spell-check',
    'crawler',
    'synonyms',
    'feature-store',
  ],
  platform: [
    'ci-runner',
    'artifact-proxy',
    'internal-portal',
    'feature-flags',
    'auth-gateway',
    'config-service',
    'notifications',
    'audit-log',
  ],
  'data-science': ['feature-pipeline', 'experiment-tracker', 'embeddings', 'labeling-ui', 'model-registry'],
  sandbox: ['hello-world', 'demo-api', 'echo-server', 'load-test'],
};
const variants = [
  'api',
  'worker',
  'consumer',
  'sync',
  'events',
  'grpc',
  'admin',
  'internal',
  'v2',
  'scheduler',
];
const statefulNames = [
  'redis',
  'postgres',
  'kafka',
  'elasticsearch',
  'rabbitmq',
  'zookeeper',
  'memcached',
  'mongodb',
];
const cronNames = [
  'report-export',
  'data-sync',
  'cleanup',
  'index-rebuild',
  'billing-run',
  'etl-hourly',
  'backup',
  'ml-batch-score',
  'sitemap-generator',
  'email-digest',
];

class NameBook {
  private readonly used = new Set<string>();
  unique(namespace: string, base: string): string {
    let name = base;
    for (let n = 2; this.used.has(`${namespace}/${name}`); n++) name = `${base}-${n}`;
    this.used.add(`${namespace}/${name}`);
    return name;
  }
}

// ---------------------------------------------------------------------------------------------------
// Building.

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const accountNames = [
  'acme-production',
  'acme-development',
  'acme-data-platform',
  'acme-europe',
  'acme-catalog',
];

/** Where each cluster of a world is, without building it (cheap: for listings). */
export function clusterDirectory(
  seed: number,
  size: SandboxSize,
): { name: string; account: number; region: string; env: Environment; createdOnRequest?: true }[] {
  const plans = plansOf(seed, size);
  return plans.map((p) => ({
    name: p.name,
    account: p.account,
    region: p.region,
    env: p.env,
    ...(p.createdOnRequest ? { createdOnRequest: true as const } : {}),
  }));
}

/** The accounts alone (cheap: the stack prints their keys without building the clusters). */
export function buildAccounts(seed: number, size: SandboxSize): SandboxAccount[] {
  const count = size === 'e2e' ? 5 : size === 'large' ? 4 : 2;
  const plans = plansOf(seed, size);
  const accounts: SandboxAccount[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const rng = new Rng(seed, 'account', i);
    let awsAccountId = '';
    do awsAccountId = `${rng.int(1, 9)}${rng.chars('0123456789', 11)}`;
    while (ids.has(awsAccountId));
    ids.add(awsAccountId);
    accounts.push({
      awsAccountId,
      name: accountNames[i] ?? `acme-${i}`,
      accessKeyId: `AKIA${rng.chars(ACCESS_KEY_ALPHABET, 16)}`,
      secretAccessKey: rng.chars(SECRET_ALPHABET, 40),
      homeRegion: plans.find((p) => p.account === i)?.region ?? 'us-east-1',
    });
  }
  return accounts;
}

/** The whole world for a seed and size. Pure: same inputs, same world. */
export function buildWorld(seed: number, size: SandboxSize = 'default'): SandboxWorld {
  const accounts = buildAccounts(seed, size);
  const plans = plansOf(seed, size);
  const traceCount = utilizationTraces().length;
  const clusters = plans.map((p) => {
    const account = accounts[p.account];
    if (!account) throw new Error(`plan ${p.name} names account ${p.account}, which does not exist`);
    return buildCluster(seed, p, account.awsAccountId, traceCount);
  });
  return { seed, size, accounts, clusters, standaloneInstances: buildStandalone(seed, accounts, clusters) };
}

function buildCluster(
  seed: number,
  p: ClusterPlan,
  awsAccountId: string,
  traceCount: number,
): SandboxCluster {
  const rng = new Rng(seed, 'cluster', p.name);
  const hash = hashString(`${seed}/${p.name}`);
  const versions =
    p.env === 'prod'
      ? ['1.29', '1.30', '1.31']
      : p.env === 'staging'
        ? ['1.30', '1.31']
        : ['1.28', '1.29', '1.31'];
  const zoneLetters =
    p.region === 'ap-southeast-1'
      ? ['a', 'b', 'c']
      : rng.pick([
          ['a', 'b', 'c'],
          ['a', 'b', 'd'],
        ]);
  const zones = zoneLetters.map((l) => `${p.region}${l}`);
  const createdAtMs =
    SANDBOX_EPOCH_MS + Math.floor(rng.between(0, 600)) * 86_400_000 + rng.int(0, 86_399) * 1000;
  const owner = `${p.team}-team@acme.example`;
  const tags = {
    env: p.env,
    team: p.team,
    owner,
    'cost-center': `cc-${rng.int(1000, 9999)}`,
    'managed-by': rng.pick(['terraform', 'eksctl', 'cdk']),
    // Teams whose office is not in the region's zone say so, as customers do (`clusterTimeZone`).
    ...(p.timeZone !== regionZones[p.region] ? { timezone: p.timeZone } : {}),
  };
  const daemonSets = clusterDaemonSets(p, rng);
  const names = new NameBook();
  const nodeGroups: SandboxNodeGroup[] = [];
  const workloads: SandboxWorkload[] = [];
  const specs = recipes[p.recipe];
  const systemNodes = specs.reduce((sum, s) => sum + (s.fixedNodes ?? 0), 0);
  const workerNodes = Math.max(1, p.peakNodes - systemNodes);
  for (const spec of specs) {
    const targetNodes = spec.fixedNodes ?? Math.max(1, Math.round(spec.share * workerNodes));
    const ng = buildNodeGroup(seed, p, spec, targetNodes, zones, createdAtMs, daemonSets, rng);
    nodeGroups.push(ng);
    workloads.push(...buildWorkloads(p, spec, ng, targetNodes, rng, names, traceCount));
  }
  const vpcId = `vpc-0${hexId(16, hash, 1)}`;
  return {
    key: p.name,
    hash,
    name: p.name,
    arn: `arn:aws:eks:${p.region}:${awsAccountId}:cluster/${p.name}`,
    awsAccountId,
    region: p.region,
    env: p.env,
    team: p.team,
    timeZone: p.timeZone,
    kubernetesVersion: rng.pick(versions),
    createdAtMs,
    endpoint: `https://${hexId(32, hash, 2).toUpperCase()}.gr7.${p.region}.eks.amazonaws.com`,
    tags,
    vpcId,
    zones,
    securityGroups: [
      {
        groupId: `sg-0${hexId(16, hash, 3)}`,
        groupName: `eks-cluster-sg-${p.name}-${rng.int(100_000_000, 999_999_999)}`,
        description:
          'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes',
      },
      {
        groupId: `sg-0${hexId(16, hash, 4)}`,
        groupName: `${p.name}-node`,
        description: `Security group for all nodes in the cluster ${p.name}`,
      },
    ],
    nodeGroups,
    workloads,
    daemonSets,
    baseLatencyMs: Math.round(rng.between(60, 150)),
    plannedPeakNodes: p.peakNodes,
    ...(p.createdOnRequest ? { createdOnRequest: true as const } : {}),
  };
}

function clusterDaemonSets(p: ClusterPlan, rng: Rng): SandboxDaemonSet[] {
  const ds = (
    namespace: string,
    name: string,
    cpuMilli: number,
    memoryMiB: number,
    usageCpu: number,
    usageMemory: number,
    roles?: PoolRole[],
  ): SandboxDaemonSet => ({
    namespace,
    name,
    requests: { cpuMilli, memoryMiB, resources: {} },
    usage: { cpuMilli: usageCpu, memoryMiB: usageMemory },
    roles,
  });
  const list = [
    ds('kube-system', 'aws-node', 25, 0, 6, 45),
    ds('kube-system', 'kube-proxy', 100, 0, 3, 25),
    ds('kube-system', 'ebs-csi-node', 30, 120, 2, 30),
  ];
  if (p.env !== 'dev' || rng.chance(0.5)) list.push(ds('logging', 'fluent-bit', 50, 100, 18, 60));
  if (p.env === 'prod') list.push(ds('monitoring', 'node-exporter', 50, 64, 8, 22));
  if (p.env === 'prod' && rng.chance(0.5)) list.push(ds('datadog', 'datadog-agent', 200, 256, 60, 210));
  if (p.recipe === 'dev-ml') list.push(ds('kube-system', 'nvidia-device-plugin', 10, 32, 1, 20, ['gpu']));
  return list;
}

function buildNodeGroup(
  seed: number,
  p: ClusterPlan,
  spec: GroupSpec,
  targetNodes: number,
  clusterZones: string[],
  clusterCreatedMs: number,
  daemonSets: SandboxDaemonSet[],
  rng: Rng,
): SandboxNodeGroup {
  const key = `${p.name}/${spec.name}`;
  const hash = hashString(`${seed}/${key}`);
  const size = sizeFor(spec.role, spec.familyList, p.peakNodes, rng);
  const candidates = (families[spec.familyList][spec.architecture] ?? [])
    .map((family) => `${family}.${size}`)
    .filter((name) => {
      const type = catalogType(name);
      return (
        sandboxOnDemandUsd(name, p.region) !== undefined &&
        type.architectures.includes(spec.architecture) &&
        (spec.capacity === 'on-demand' || spotAdvice(name, p.region) !== undefined)
      );
    });
  const shuffled = shuffle(candidates, rng);
  const instanceTypes = shuffled.slice(0, Math.max(1, Math.min(spec.typeCount, shuffled.length)));
  if (instanceTypes.length === 0) throw new Error(`no instance type fits node group ${key}`);
  const typeWeights = instanceTypes.map((_, i) => (i === 0 ? 2 : 1));
  const zones =
    spec.role === 'memory' && spec.kind === 'self-managed' ? clusterZones.slice(0, 2) : clusterZones;
  const onDemandBase = spec.capacity === 'mixed' ? (spec.kind === 'karpenter' ? 0 : 1) : 0;
  const onDemandPercentAboveBase =
    spec.capacity === 'on-demand' ? 100 : spec.capacity === 'spot' ? 0 : spec.kind === 'karpenter' ? 20 : 25;
  const fixed = spec.fixedNodes ?? targetNodes;
  const minSize =
    spec.fixedNodes !== undefined
      ? 2
      : !spec.autoscaled
        ? fixed
        : spec.kind === 'karpenter'
          ? 0
          : p.env === 'prod'
            ? Math.max(1, Math.ceil(targetNodes * 0.25))
            : 1;
  const maxSize =
    spec.fixedNodes !== undefined
      ? fixed + 1
      : !spec.autoscaled
        ? fixed + 2
        : spec.kind === 'karpenter'
          ? Math.ceil(targetNodes * 2) + 5
          : Math.ceil(targetNodes * 1.5) + 2;
  const labels: Record<string, string> = { 'node-pool': spec.role };
  const taints: SandboxNodeGroup['taints'] = [];
  if (spec.role === 'gpu') taints.push({ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' });
  if (spec.role === 'batch') taints.push({ key: 'workload', value: 'batch', effect: 'NoSchedule' });
  if (spec.role === 'system' && p.env === 'prod')
    taints.push({ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' });
  const createdAtMs = clusterCreatedMs + rng.int(1, 120) * 86_400_000;
  const autoScalingGroupName =
    spec.kind === 'managed'
      ? `eks-${spec.name}-${uuidFrom(hash)}`
      : spec.kind === 'self-managed'
        ? `${p.name}-${spec.name}`
        : null;
  // Per-node capacity left for pods: smallest type, less the DaemonSets on this role.
  const dsRequests = daemonSets
    .filter((d) => !d.roles || d.roles.includes(spec.role))
    .reduce((sum, d) => ({ cpu: sum.cpu + d.requests.cpuMilli, mem: sum.mem + d.requests.memoryMiB }), {
      cpu: 0,
      mem: 0,
    });
  const dsCount = daemonSets.filter((d) => !d.roles || d.roles.includes(spec.role)).length;
  const allocs = instanceTypes.map((t) => eksAllocatable(catalogType(t)));
  const minOf = (f: (a: EksAllocatable) => number) => Math.min(...allocs.map(f));
  const gpuMilli = minOf((a) => a.resources['nvidia.com/gpu'] ?? 0);
  return {
    key,
    hash,
    name: spec.name,
    clusterName: p.name,
    kind: spec.kind,
    role: spec.role,
    capacity: spec.capacity,
    onDemandBase,
    onDemandPercentAboveBase,
    architecture: spec.architecture,
    instanceTypes,
    typeWeights,
    zones,
    minSize,
    maxSize,
    fixedSize: fixed,
    autoscaled: spec.autoscaled,
    packingTarget: spec.kind === 'karpenter' ? 0.85 : spec.role === 'gpu' ? 1 : rng.between(0.62, 0.78),
    labels,
    taints,
    autoScalingGroupName,
    refreshPeriodHours: spec.kind === 'karpenter' ? 7 * 24 : rng.pick([7, 10, 14]) * 24,
    refreshPhaseHours: rng.int(0, 13 * 24),
    createdAtMs,
    podCapacityPerNode: {
      cpuMilli: minOf((a) => a.cpuMilli) - dsRequests.cpu,
      memoryMiB: minOf((a) => a.memoryMiB) - dsRequests.mem,
      pods: minOf((a) => a.pods) - dsCount,
      resources: gpuMilli > 0 ? { 'nvidia.com/gpu': gpuMilli } : {},
    },
    region: p.region,
  };
}

/** The static facts of a node group's i-th node: type (weighted pick), zone (round robin), capacity type. */
export function nodeSlot(ng: SandboxNodeGroup, index: number): NodeSlot {
  const totalWeight = ng.typeWeights.reduce((a, b) => a + b, 0);
  let r = (hashString(`${ng.hash}:${index}`) / 4_294_967_296) * totalWeight;
  let typeIndex = 0;
  for (; typeIndex < ng.typeWeights.length - 1; typeIndex++) {
    r -= ng.typeWeights[typeIndex] ?? 0;
    if (r < 0) break;
  }
  const instanceType = ng.instanceTypes[typeIndex] ?? ng.instanceTypes[0] ?? '';
  const type = catalogType(instanceType);
  let capacityType: 'on-demand' | 'spot';
  if (ng.capacity !== 'mixed') capacityType = ng.capacity;
  else if (index < ng.onDemandBase) capacityType = 'on-demand';
  else {
    const above = index - ng.onDemandBase;
    const pct = ng.onDemandPercentAboveBase;
    // Exactly pct % of the positions above the base are on-demand, spread evenly.
    capacityType =
      Math.floor(((above + 1) * pct) / 100) > Math.floor((above * pct) / 100) ? 'on-demand' : 'spot';
  }
  const zone = ng.zones[index % ng.zones.length] ?? ng.zones[0] ?? `${ng.region}a`;
  return {
    index,
    instanceType,
    family: type.family,
    architecture: ng.architecture,
    zone,
    capacityType,
    onDemandHourlyUsd: sandboxOnDemandUsd(instanceType, ng.region) ?? 0,
    hourlyHazard: capacityType === 'spot' ? spotHourlyHazard(instanceType, ng.region) : 0,
    allocatable: eksAllocatable(type),
  };
}

function buildWorkloads(
  p: ClusterPlan,
  spec: GroupSpec,
  ng: SandboxNodeGroup,
  targetNodes: number,
  rng: Rng,
  names: NameBook,
  traceCount: number,
): SandboxWorkload[] {
  const cap = ng.podCapacityPerNode;
  const out: SandboxWorkload[] = [];
  const add = (w: Omit<SandboxWorkload, 'key' | 'hash' | 'requests' | 'trace' | 'traceWeekShift'>) => {
    const requests = sumRequests(w.containers);
    const key = `${w.namespace}/${w.kind}/${w.name}`;
    out.push({
      ...w,
      key,
      hash: hashString(`${p.name}/${key}`),
      requests,
      trace: rng.int(0, traceCount - 1),
      traceWeekShift: rng.int(0, 4),
    });
  };
  if (spec.role === 'system') {
    for (const w of systemWorkloads(p, ng, names, rng)) add(w);
    return out;
  }
  // Static groups are over-provisioned: their pods fill about half of them.
  const fill = ng.autoscaled ? ng.packingTarget : rng.between(0.4, 0.6);
  const targetCpu = targetNodes * cap.cpuMilli * fill;
  const targetMemory = targetNodes * cap.memoryMiB * fill;
  const targetGpu = targetNodes * (cap.resources['nvidia.com/gpu'] ?? 0) * 0.95;
  let cpu = 0;
  let memory = 0;
  let gpu = 0;
  const done = () => (spec.role === 'gpu' ? gpu >= targetGpu : cpu >= targetCpu || memory >= targetMemory);
  let guard = 0;
  while (!done() && guard++ < 5_000) {
    const w = workloadFor(p, spec, ng, rng, names);
    // Sized at the peak: an HPA's peak replicas; a batch pool as if all its CronJobs ran at once.
    const req = sumRequests(w.containers);
    cpu += req.cpuMilli * w.replicas;
    memory += req.memoryMiB * w.replicas;
    gpu += (req.resources['nvidia.com/gpu'] ?? 0) * w.replicas;
    add(w);
  }
  return out;
}

type WorkloadDraft = Omit<SandboxWorkload, 'key' | 'hash' | 'requests' | 'trace' | 'traceWeekShift'>;

function sumRequests(containers: readonly SandboxContainer[]): Quantities {
  const resources: Record<string, number> = {};
  for (const c of containers)
    for (const [k, v] of Object.entries(c.requests.resources)) resources[k] = (resources[k] ?? 0) + v;
  return {
    cpuMilli: containers.reduce((s, c) => s + c.requests.cpuMilli, 0),
    memoryMiB: containers.reduce((s, c) => s + c.requests.memoryMiB, 0),
    resources,
  };
}

const roundTo = (value: number, step: number, min: number) => Math.max(min, Math.round(value / step) * step);

function workloadFor(
  p: ClusterPlan,
  spec: GroupSpec,
  ng: SandboxNodeGroup,
  rng: Rng,
  names: NameBook,
): WorkloadDraft {
  const cap = ng.podCapacityPerNode;
  const memoryPerMilli = cap.memoryMiB / Math.max(1, cap.cpuMilli);
  const namespace = spec.role === 'batch' ? `${p.team}-jobs` : spec.role === 'gpu' ? 'ml' : p.team;
  const selectorFor = (): Record<string, string> => {
    if (spec.role === 'gpu' || spec.role === 'batch' || spec.role === 'memory')
      return { 'node-pool': spec.role };
    if (spec.architecture === 'arm64' && rng.chance(0.3)) return { 'kubernetes.io/arch': 'arm64' };
    return rng.chance(0.4) ? { 'node-pool': spec.role } : {};
  };
  const tolerations: SandboxWorkload['tolerations'] = ng.taints.map((t) => ({
    key: t.key,
    operator: 'Equal',
    value: t.value,
    effect: t.effect,
  }));
  const oomProne = rng.chance(0.05);
  const base = {
    nodeGroup: ng.name,
    pvcs: [] as string[],
    pdb: null as SandboxWorkload['pdb'],
    annotations: {} as Record<string, string>,
    nodeSelector: selectorFor(),
    tolerations,
    oomHourlyProbability: oomProne ? rng.between(0.0005, 0.004) : 0,
    rolloutsPerDay: p.env === 'prod' ? 0.1 : p.env === 'staging' ? 0.3 : 0.5,
    hpa: null as SandboxWorkload['hpa'],
    cron: null as SandboxWorkload['cron'],
  };
  const container = (
    name: string,
    cpuMilli: number,
    memoryMiB: number,
    cpuShare: number,
    memoryShare: number,
    resources: Record<string, number> = {},
  ): SandboxContainer => {
    const guaranteed = rng.chance(0.1);
    const cpuLimit = guaranteed ? cpuMilli : rng.chance(0.4) ? undefined : cpuMilli * rng.pick([1, 2, 4]);
    const memoryLimit = guaranteed ? memoryMiB : roundTo(memoryMiB * rng.pick([1, 1.5, 2]), 64, 64);
    const limits: Partial<Quantities> = { memoryMiB: memoryLimit };
    if (cpuLimit !== undefined) limits.cpuMilli = cpuLimit;
    if (Object.keys(resources).length) limits.resources = resources;
    return {
      name,
      requests: { cpuMilli, memoryMiB, resources },
      limits,
      cpuShare,
      memoryShare: oomProne
        ? Math.min(0.97, (memoryLimit / memoryMiB) * rng.between(0.85, 0.93))
        : memoryShare,
    };
  };
  const maxCpu = Math.max(100, cap.cpuMilli * 0.45);
  const labelsFor = (name: string) => ({
    app: name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': p.team,
    team: p.team,
  });

  if (spec.role === 'batch') {
    const hourly = rng.chance(0.6);
    const name = names.unique(namespace, rng.pick(cronNames));
    const cpuMilli = Math.min(maxCpu, rng.pick([500, 1000, 1000, 2000, 3000]));
    return {
      ...base,
      namespace,
      name,
      kind: 'CronJob',
      replicas: rng.int(1, Math.max(2, Math.round(p.peakNodes / 25))),
      cron: hourly
        ? { everyHours: 1, minute: rng.int(0, 50), hourUtc: 0, durationMinutes: rng.int(8, 30) }
        : {
            everyHours: 24,
            minute: rng.int(0, 59),
            hourUtc: rng.int(0, 5),
            durationMinutes: rng.int(45, 180),
          },
      containers: [
        container(
          'job',
          cpuMilli,
          roundTo(cpuMilli * memoryPerMilli * rng.between(0.3, 0.8), 64, 256),
          rng.between(0.5, 0.9),
          rng.between(0.4, 0.8),
        ),
      ],
      annotations: rng.chance(0.3) ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
      labels: labelsFor(name),
    };
  }

  if (spec.role === 'gpu') {
    const notebook = rng.chance(0.5);
    const name = names.unique(
      namespace,
      notebook
        ? `notebook-${rng.pick(['alice', 'bob', 'chen', 'dana', 'emre', 'fatima'])}`
        : rng.pick(['inference-api', 'embedding-server', 'model-training']),
    );
    const cpuMilli = rng.pick([1000, 2000]);
    const gpu = { 'nvidia.com/gpu': 1000 };
    return {
      ...base,
      namespace,
      name,
      kind: notebook ? 'StatefulSet' : 'Deployment',
      replicas: notebook ? 1 : rng.int(1, 3),
      pvcs: notebook ? [`home-${name}-0`] : [],
      hpa: notebook ? null : { minReplicas: 1, maxReplicas: 4, metrics: ['cpu'] },
      containers: [
        container(
          notebook ? 'jupyter' : 'server',
          cpuMilli,
          roundTo(rng.between(4096, 10_240), 256, 1024),
          rng.between(0.1, 0.4),
          rng.between(0.3, 0.7),
          gpu,
        ),
      ],
      annotations: notebook ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
      labels: labelsFor(name),
    };
  }

  if (spec.role === 'memory') {
    const stateful = rng.chance(0.7);
    const baseName = stateful
      ? rng.pick(statefulNames)
      : `${rng.pick(serviceNames[p.team] ?? ['app'])}-cache`;
    const name = names.unique(namespace, baseName);
    const replicas = stateful ? rng.pick([1, 3, 3, 5]) : rng.int(2, 4);
    const cpuMilli = Math.min(maxCpu, rng.pick([250, 500, 1000, 2000]));
    const memoryMiB = roundTo(cpuMilli * memoryPerMilli * rng.between(0.5, 1), 256, 512);
    return {
      ...base,
      namespace,
      name,
      kind: stateful ? 'StatefulSet' : 'Deployment',
      replicas,
      pvcs: stateful ? Array.from({ length: replicas }, (_, i) => `data-${name}-${i}`) : [],
      pdb:
        replicas >= 3
          ? { name: `${name}-pdb`, maxUnavailable: 1 }
          : replicas === 1
            ? { name: `${name}-pdb`, maxUnavailable: 0 }
            : null,
      containers: [
        container(
          stateful ? baseName : 'cache',
          cpuMilli,
          memoryMiB,
          rng.between(0.08, 0.35),
          rng.between(0.55, 0.85),
        ),
      ],
      annotations: stateful && rng.chance(0.3) ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
      labels: labelsFor(name),
    };
  }

  // General and burstable services.
  const names0 = serviceNames[p.team] ?? serviceNames.platform ?? ['app'];
  const baseName = rng.chance(0.5) ? rng.pick(names0) : `${rng.pick(names0)}-${rng.pick(variants)}`;
  const name = names.unique(namespace, baseName);
  const hpaChance = p.env === 'prod' ? 0.45 : p.env === 'staging' ? 0.3 : 0.5;
  const withHpa = spec.role !== 'burstable' && rng.chance(hpaChance);
  const maxReplicas = p.env === 'prod' ? 3 + Math.round(p.peakNodes / 12) : p.env === 'staging' ? 4 : 3;
  const replicas = rng.int(p.env === 'prod' ? 2 : 1, maxReplicas);
  const cpuMilli = Math.min(
    maxCpu,
    rng.weighted([
      [50, 3],
      [100, 8],
      [200, 10],
      [250, 10],
      [500, 14],
      [750, 8],
      [1000, 8],
      [1500, 4],
      [2000, 3],
    ]),
  );
  const memoryMiB = roundTo(cpuMilli * memoryPerMilli * rng.between(0.35, 0.9), 64, 64);
  const bestEffort = p.env === 'dev' && rng.chance(0.03);
  const containers = [
    bestEffort
      ? {
          name: 'app',
          requests: { cpuMilli: 0, memoryMiB: 0, resources: {} },
          limits: {},
          cpuShare: 0,
          memoryShare: 0,
        }
      : container('app', cpuMilli, memoryMiB, rng.between(0.12, 0.55), rng.between(0.3, 0.8)),
  ];
  if (p.env === 'prod' && rng.chance(0.25))
    containers.push(container('envoy', 100, 128, rng.between(0.15, 0.4), 0.5));
  const pdbChance = replicas >= 2 ? 0.5 : 0;
  return {
    ...base,
    namespace,
    name,
    kind: 'Deployment',
    replicas,
    hpa: withHpa
      ? {
          minReplicas: p.env === 'prod' ? Math.max(2, Math.ceil(replicas / 3)) : 1,
          maxReplicas: Math.max(replicas, Math.ceil(replicas * 1.5)),
          metrics: rng.weighted<('cpu' | 'memory' | 'custom')[]>([
            [['cpu'], 7],
            [['cpu', 'memory'], 2],
            [['custom'], 1],
          ]),
        }
      : null,
    pdb: rng.chance(pdbChance) ? { name: `${name}-pdb`, maxUnavailable: rng.chance(0.1) ? 0 : 1 } : null,
    containers,
    annotations: rng.chance(0.04) ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
    labels: labelsFor(name),
  };
}

function systemWorkloads(p: ClusterPlan, ng: SandboxNodeGroup, names: NameBook, rng: Rng): WorkloadDraft[] {
  const tolerations = [{ key: 'CriticalAddonsOnly', operator: 'Exists' }];
  const make = (
    namespace: string,
    name: string,
    kind: WorkloadKind,
    replicas: number,
    cpuMilli: number,
    memoryMiB: number,
    cpuShare: number,
    memoryShare: number,
  ): WorkloadDraft => ({
    namespace,
    name: names.unique(namespace, name),
    kind,
    nodeGroup: ng.name,
    replicas,
    hpa: null,
    cron: null,
    containers: [
      {
        name,
        requests: { cpuMilli, memoryMiB, resources: {} },
        limits: { memoryMiB: memoryMiB * 2 },
        cpuShare,
        memoryShare,
      },
    ],
    pvcs: kind === 'StatefulSet' ? [`data-${name}-0`] : [],
    pdb: replicas >= 2 ? { name: `${name}-pdb`, maxUnavailable: 1 } : null,
    labels: { 'app.kubernetes.io/name': name, 'k8s-app': name },
    annotations: {},
    nodeSelector: { 'node-pool': 'system' },
    tolerations,
    oomHourlyProbability: 0,
    rolloutsPerDay: 0.02,
  });
  const list = [
    make('kube-system', 'coredns', 'Deployment', 2, 100, 70, 0.15, 0.5),
    make('kube-system', 'metrics-server', 'Deployment', 1, 100, 200, 0.1, 0.4),
    make('kube-system', 'aws-load-balancer-controller', 'Deployment', 2, 100, 128, 0.05, 0.5),
  ];
  const hasKarpenter = recipes[p.recipe].some((s) => s.kind === 'karpenter');
  list.push(
    hasKarpenter
      ? make('karpenter', 'karpenter', 'Deployment', 2, 500, 1024, 0.1, 0.45)
      : make('kube-system', 'cluster-autoscaler', 'Deployment', 1, 100, 600, 0.08, 0.5),
  );
  if (p.env !== 'dev') list.push(make('monitoring', 'prometheus', 'StatefulSet', 1, 500, 2048, 0.3, 0.7));
  if (rng.chance(0.6)) list.push(make('cert-manager', 'cert-manager', 'Deployment', 1, 50, 128, 0.05, 0.4));
  return list;
}

function buildStandalone(
  seed: number,
  accounts: SandboxAccount[],
  clusters: SandboxCluster[],
): StandaloneInstance[] {
  const out: StandaloneInstance[] = [];
  for (const account of accounts) {
    const rng = new Rng(seed, 'standalone', account.awsAccountId);
    const regions = [
      ...new Set(clusters.filter((c) => c.awsAccountId === account.awsAccountId).map((c) => c.region)),
    ];
    for (const region of regions) {
      const items: [string, string][] = [['bastion', 't3.micro']];
      if (rng.chance(0.5)) items.push(['jenkins', 'm5.xlarge']);
      for (const [name, instanceType] of items) {
        const h = hashString(`${seed}/${account.awsAccountId}/${region}/${name}`);
        out.push({
          awsAccountId: account.awsAccountId,
          region,
          zone: `${region}a`,
          instanceId: `i-0${hexId(16, h)}`,
          instanceType,
          name,
          launchTimeMs: SANDBOX_EPOCH_MS + rng.int(0, 500) * 86_400_000,
          privateIp: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        });
      }
    }
  }
  return out;
}

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function uuidFrom(hash: number): string {
  const hex = hexId(32, hash, 99);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
