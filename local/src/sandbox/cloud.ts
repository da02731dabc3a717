/**
 * The sandbox cloud: simulated AWS accounts behind the same `CustomerCloudPort` as real AWS, for the
 * local stack. Reads answer from the generated world at the injected clock's "now"; writes (ASG and
 * node group scaling) are recorded in the sandbox state and change the world from that instant on.
 *
 * Credentials behave like AWS's: each account has an IAM user's access key pair (printed at start-up);
 * roles exist only once the onboarding template has been "deployed" through the local route, and STS
 * checks the role's trust policy (the External ID it was deployed with). Error messages say what to fix
 * and never contain a secret or an External ID.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  AutoScalingGroup,
  CloudCredentials,
  CloudTarget,
  CustomerCloudPort,
  DistributionUpdate,
  Ec2Instance,
  EksCluster,
  EksNodegroup,
  InstanceLaunchLookup,
  InstanceTermination,
  InstanceTypeInfo,
  MetricQuery,
  MetricSeries,
  PermissionCheck,
  ScalingActivity,
  SecurityGroup,
  SpotPricePoint,
} from '@spot/functions/ports/cloud';
import { maxInstanceLaunchLookups } from '@spot/functions/ports/cloud';
import type { Clock } from '@spot/functions/ports/types';
import { CloudAccessError, NotFoundError, ValidationError } from '@spot/shared/errors';
import type { LiveKarpenterObject } from '@spot/shared/karpenter/managed';
import type { KarpenterManifest } from '@spot/shared/model/agent-command';
import {
  customerReadActions,
  customerRoleName,
  customerRoleNamePrefix,
  customerWriteActions,
} from '@spot/shared/model/customer-permissions';
import { loadCatalog } from '@spot/shared/pricing/index';
import { AsgSpotCapacity } from './asg-spot-capacity';
import { SandboxClientCertificates } from './client-certificates';
import { HOUR_MS, hourOf } from './cycles';
import { type PoolSpec, poolSpecOf } from './karpenter-pools';
import { SandboxKubernetes } from './kubernetes';
import { SandboxKubernetesPort } from './kubernetes-port';
import {
  defaultEnabledRegions,
  SPOT_PRICE_STEP_HOURS,
  sandboxOnDemandUsd,
  sandboxSpotUsd,
  spotAdvice,
  spotStepStartMs,
} from './prices';
import { hashString, hexId, unit } from './random';
import { SandboxRbac } from './rbac';
import { type SandboxNode, Simulation } from './simulation';
import { type DeployedRole, SandboxState } from './state';
import {
  buildAccounts,
  buildWorld,
  type SandboxAccount,
  type SandboxCluster,
  type SandboxNodeGroup,
  type SandboxSize,
  type SandboxWorld,
} from './world';

export interface SandboxOptions {
  /** Same seed, same world. Default 42. */
  seed?: number;
  size?: SandboxSize;
  /** "Now" of the sandbox. Default: the system clock. */
  clock?: Clock;
  /** Where scaling changes and deployed roles are kept (`<dataDir>/sandbox-state.json`); none = memory only. */
  stateFile?: string;
  log?: (message: string) => void;
  /**
   * A world already built from the same seed and size, shared instead of rebuilt (tests that need many
   * sandboxes with their own scaling state, such as the hibernation simulation).
   */
  world?: SandboxWorld;
}

export interface Principal {
  account: SandboxAccount;
  arn: string;
  /** The deployed role, for role credentials; undefined for the IAM user's access keys. */
  role?: DeployedRole;
}

const readActions = new Set(customerReadActions.map((p) => p.action));
const writeActions = new Set(customerWriteActions.map((p) => p.action));
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
/** Availability zones per region (the sandbox's clusters use the first three or four). */
const regionZoneLetters: Record<string, string[]> = {
  'us-east-1': ['a', 'b', 'c', 'd', 'f'],
  'us-west-2': ['a', 'b', 'c', 'd'],
};
/** Spot price history goes back 90 days, as in AWS. */
const SPOT_HISTORY_MS = 90 * 24 * HOUR_MS;
/** At most this many points per metric query (CloudWatch allows 100,800 per call). */
const MAX_METRIC_POINTS = 10_080;

/** An instance launched through {@link SandboxCloud.runInstances}. */
interface HandLaunch {
  awsAccountId: string;
  region: string;
  zone: string;
  instanceId: string;
  instanceType: string;
  launchTimeMs: number;
  /** The caller, as CloudTrail's `userIdentity.arn`. */
  principal: string;
}

export class SandboxCloud implements CustomerCloudPort {
  readonly seed: number;
  readonly size: SandboxSize;
  /** The accounts and their keys: cheap, available before the world is built. */
  readonly accounts: readonly SandboxAccount[];
  private readonly clock: Clock;
  private readonly state: SandboxState;
  private kubernetesAdapter: SandboxKubernetesPort | undefined;
  private built: { world: SandboxWorld; simulation: Simulation; kubernetes: SandboxKubernetes } | undefined;
  private readonly prebuiltWorld: SandboxWorld | undefined;
  private clientCertificateAuthority: SandboxClientCertificates | undefined;
  private rbacModel: SandboxRbac | undefined;
  /** Instances launched by hand through {@link runInstances}, with the caller CloudTrail would record. */
  private readonly handLaunches: HandLaunch[] = [];

  constructor(options: SandboxOptions = {}) {
    this.seed = options.seed ?? 42;
    this.size = options.size ?? 'default';
    this.clock = options.clock ?? { now: () => new Date() };
    this.accounts = buildAccounts(this.seed, this.size);
    this.state = new SandboxState(`${this.seed}/${this.size}`, options.stateFile, options.log);
    this.prebuiltWorld = options.world;
  }

  /** The generated world, built on first use (about half a second for the default size). */
  get world(): SandboxWorld {
    return this.build().world;
  }

  get simulation(): Simulation {
    return this.build().simulation;
  }

  /** The clusters' Kubernetes side: snapshots and the 30-day back-fill. */
  get kubernetes(): SandboxKubernetes {
    return this.build().kubernetes;
  }

  private build() {
    if (!this.built) {
      const world = this.prebuiltWorld ?? buildWorld(this.seed, this.size);
      const simulation = new Simulation(world, this.state);
      const kubernetes = new SandboxKubernetes(simulation);
      // The world's own NodePools, live (ADR 0092): the sandbox's Karpenter provisions from them.
      kubernetes.customerPools = (clusterName) => this.customerPoolSpecs(clusterName);
      kubernetes.clock = () => this.now();
      this.built = { world, simulation, kubernetes };
    }
    return this.built;
  }

  /** The sandbox's "now", ms. */
  now(): number {
    return this.clock.now().getTime();
  }

  /** The KubernetesPort over the same clusters and credentials (snapshots and the 30-day back-fill). */
  get kubernetesPort(): SandboxKubernetesPort {
    this.kubernetesAdapter ??= new SandboxKubernetesPort(this);
    return this.kubernetesAdapter;
  }

  /** A cluster of the target's account and region, by name or ARN, after checking `actions`. */
  clusterFor(target: CloudTarget, clusterNameOrArn: string, ...actions: string[]): SandboxCluster {
    const principal = this.authorize(target, ...actions);
    const cluster = this.clustersIn(principal, target.region).find(
      (c) => c.name === clusterNameOrArn || c.arn === clusterNameOrArn,
    );
    if (!cluster) throw new NotFoundError(`EKS cluster ${clusterNameOrArn} in ${target.region}`);
    return cluster;
  }

  // -------------------------------------------------------------------------------------------------
  // Kubernetes access of the agentless collector (ADR 0059).

  /**
   * Whether the platform's role has its EKS access entry on the cluster (always, unless removed through
   * `PUT /sandbox/clusters/{name}/access-entry`): without it the collector can read the cluster only with
   * a kubeconfig the customer uploads.
   */
  hasAccessEntry(clusterName: string): boolean {
    return this.state.hasAccessEntry(clusterName);
  }

  /** Adds or removes the access entry; false for a cluster that is not in the world. */
  setAccessEntry(clusterName: string, present: boolean): boolean {
    if (!this.world.clusters.some((c) => c.name === clusterName)) return false;
    this.state.setAccessEntry(clusterName, present);
    return true;
  }

  /** The clusters' RBAC for Spot Optimizer's subjects: SelfSubjectAccessReviews and taken-away permissions. */
  get rbac(): SandboxRbac {
    this.rbacModel ??= new SandboxRbac(this.state);
    return this.rbacModel;
  }

  /**
   * The cluster's service-account token, as the API server of a sandbox cluster accepts it. Derived from
   * the seed like the access keys: the same world always has the same tokens.
   */
  serviceAccountToken(clusterName: string): string {
    return createHmac('sha256', `sandbox/${this.seed}/${this.size}`)
      .update(`service-account/${clusterName}`)
      .digest('base64url');
  }

  /** Whether `token` is the cluster's service-account token (compared in constant time). */
  acceptsServiceAccountToken(clusterName: string, token: string): boolean {
    return sameSecret(this.serviceAccountToken(clusterName), token);
  }

  /** The clusters' client CAs and the certificates they issue (ADR 0065), from the seed. */
  private get clientCertificates(): SandboxClientCertificates {
    this.clientCertificateAuthority ??= new SandboxClientCertificates(`sandbox/${this.seed}/${this.size}`);
    return this.clientCertificateAuthority;
  }

  /** The client certificate and key (PEM) the cluster issued its read-only user. */
  clientCertificate(clusterName: string): { certificatePem: string; keyPem: string } {
    return this.clientCertificates.userCertificate(clusterName);
  }

  /**
   * Whether the cluster's API server accepts a kubeconfig's `client-certificate-data` and
   * `client-key-data` (base64 PEM): issued by the cluster's client CA, valid now, with its own key.
   */
  acceptsClientCertificate(clusterName: string, certificateData: string, keyData: string): boolean {
    const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    return this.clientCertificates.accepts(
      clusterName,
      text(certificateData),
      text(keyData),
      new Date(this.now()),
    );
  }

  /**
   * A kubeconfig of the cluster as `kubectl config view --minify --flatten` prints it for a read-only
   * user: its endpoint, an inline CA and the user's service-account token, or (`client-certificate`) the
   * client certificate and key the cluster issued it. Undefined for a cluster that is not in the world or
   * not created yet.
   */
  kubeconfigFor(clusterName: string, auth: 'token' | 'client-certificate' = 'token'): string | undefined {
    const cluster = this.world.clusters.find((c) => c.name === clusterName);
    if (!cluster || (cluster.createdOnRequest && this.state.clusterCreatedAt(clusterName) === undefined))
      return undefined;
    const ca = Buffer.from(
      `-----BEGIN CERTIFICATE-----\nsandbox CA of ${clusterName}\n-----END CERTIFICATE-----\n`,
    ).toString('base64');
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${clusterName}`,
      '  cluster:',
      `    server: ${cluster.endpoint}`,
      `    certificate-authority-data: ${ca}`,
      'contexts:',
      `- name: ${clusterName}`,
      '  context:',
      `    cluster: ${clusterName}`,
      '    user: spot-optimizer-reader',
      `current-context: ${clusterName}`,
      'users:',
      '- name: spot-optimizer-reader',
      '  user:',
      ...(auth === 'token'
        ? [`    token: ${this.serviceAccountToken(clusterName)}`]
        : [
            `    client-certificate-data: ${Buffer.from(this.clientCertificate(clusterName).certificatePem).toString('base64')}`,
            `    client-key-data: ${Buffer.from(this.clientCertificate(clusterName).keyPem).toString('base64')}`,
          ]),
      '',
    ].join('\n');
  }

  /** The created cluster of the world whose API server is at `endpoint`. */
  clusterAtEndpoint(endpoint: string): SandboxCluster | undefined {
    const cluster = this.world.clusters.find((c) => c.endpoint === endpoint);
    if (!cluster || (cluster.createdOnRequest && this.state.clusterCreatedAt(cluster.name) === undefined))
      return undefined;
    return cluster;
  }

  // -------------------------------------------------------------------------------------------------
  // Onboarding: the local stand-in for the customer deploying the template.

  /**
   * "Deploys" the onboarding template in an account with the connection's External ID: creates the role
   * `SpotOptimizerReadOnly-<first group of the External ID>` trusting that External ID, with the write
   * policy when `enableWriteActions`. Deploying again updates it. Returns the role ARN (the stack output).
   */
  deployOnboardingStack(
    awsAccountId: string,
    externalId: string,
    enableWriteActions = false,
  ): { roleArn: string } {
    const account = this.accounts.find((a) => a.awsAccountId === awsAccountId);
    if (!account) throw new NotFoundError(`Sandbox account ${awsAccountId}`);
    const roleName = customerRoleName(externalId);
    const roleArn = `arn:aws:iam::${awsAccountId}:role/${roleName}`;
    this.state.deployRole({
      awsAccountId,
      roleName,
      roleArn,
      externalId,
      enableWriteActions,
      deployedAt: this.clock.now().toISOString(),
    });
    return { roleArn };
  }

  // -------------------------------------------------------------------------------------------------
  // Credentials.

  private authenticate(credentials: CloudCredentials): Principal {
    if (credentials.kind === 'access-key') {
      const account = this.accounts.find((a) => a.accessKeyId === credentials.accessKeyId);
      if (!account)
        throw new CloudAccessError(
          'INVALID_CREDENTIALS',
          'AWS does not know this access key ID (InvalidClientTokenId). Copy the whole key ID (20 characters, starting with AKIA); the sandbox prints its keys at start-up and keeps them in .local/sandbox.json.',
          'sts:GetCallerIdentity',
        );
      if (!sameSecret(account.secretAccessKey, credentials.secretAccessKey))
        throw new CloudAccessError(
          'INVALID_CREDENTIALS',
          `The secret access key does not match access key ID ${maskKeyId(account.accessKeyId)} (SignatureDoesNotMatch). Paste the secret again, without spaces; the sandbox prints it at start-up and keeps it in .local/sandbox.json.`,
          'sts:GetCallerIdentity',
        );
      return { account, arn: `arn:aws:iam::${account.awsAccountId}:user/sandbox-admin` };
    }
    const match = ROLE_ARN.exec(credentials.roleArn);
    if (!match)
      throw new CloudAccessError(
        'INVALID_CREDENTIALS',
        'The role ARN is not an IAM role ARN. Copy the RoleArn output of the onboarding stack: arn:aws:iam::<12-digit account id>:role/<name>.',
        'sts:AssumeRole',
      );
    const [, awsAccountId = '', roleName = ''] = match;
    if (!roleName.startsWith(customerRoleNamePrefix))
      throw new CloudAccessError(
        'ACCESS_DENIED',
        `The platform may only assume roles whose name starts with ${customerRoleNamePrefix}; ${roleName} does not. Use the role the onboarding template created.`,
        'sts:AssumeRole',
      );
    const account = this.accounts.find((a) => a.awsAccountId === awsAccountId);
    const role = account
      ? this.state.deployedRoles(awsAccountId).find((r) => r.roleName === roleName)
      : undefined;
    if (!account || !role)
      throw new CloudAccessError(
        'TRUST_POLICY',
        `Could not assume ${credentials.roleArn} (AccessDenied on sts:AssumeRole): the role does not exist or does not trust this platform. Deploy the onboarding template in account ${awsAccountId} with this connection's External ID (in the sandbox: POST /sandbox/accounts/${awsAccountId}/onboarding-stack) and use the role ARN from its outputs.`,
        'sts:AssumeRole',
      );
    if (!sameSecret(role.externalId, credentials.externalId))
      throw new CloudAccessError(
        'EXTERNAL_ID_MISMATCH',
        `${credentials.roleArn} exists, but its trust policy requires a different External ID. Update the onboarding stack with the External ID shown for this connection (in the sandbox: POST /sandbox/accounts/${awsAccountId}/onboarding-stack again), then retry.`,
        'sts:AssumeRole',
      );
    return { account, arn: `arn:aws:sts::${awsAccountId}:assumed-role/${roleName}/spot-optimizer`, role };
  }

  private allowed(principal: Principal, action: string): boolean {
    if (readActions.has(action)) return true;
    if (writeActions.has(action)) return principal.role ? principal.role.enableWriteActions : true;
    return false;
  }

  /** Authenticates, checks the actions and the region; returns the caller (throws `CloudAccessError`). */
  authorize(target: CloudTarget, ...actions: string[]): Principal {
    const principal = this.authenticate(target.credentials);
    for (const action of actions) {
      if (this.allowed(principal, action)) continue;
      const fix = writeActions.has(action)
        ? 'Update the onboarding stack with EnableWriteActions=true to let the platform change capacity.'
        : 'The onboarding template does not grant it.';
      throw new CloudAccessError(
        'ACCESS_DENIED',
        `${principal.role?.roleArn ?? 'The access key'} is not allowed to call ${action} (AccessDenied). ${fix}`,
        action,
      );
    }
    if (!(defaultEnabledRegions as readonly string[]).includes(target.region))
      throw new CloudAccessError(
        'REGION_DISABLED',
        `Region ${target.region} is not enabled in account ${principal.account.awsAccountId}. Enable it (AWS console, Account, AWS Regions) or remove it from this connection's regions.`,
        actions[0],
      );
    return principal;
  }

  async identify(target: CloudTarget): Promise<{ awsAccountId: string; arn: string }> {
    const principal = this.authenticate(target.credentials);
    return { awsAccountId: principal.account.awsAccountId, arn: principal.arn };
  }

  async checkPermissions(target: CloudTarget, actions: readonly string[]): Promise<PermissionCheck[]> {
    const principal = this.authenticate(target.credentials);
    return actions.map((action) => {
      if (this.allowed(principal, action)) return { action, allowed: true };
      const reason = writeActions.has(action)
        ? 'AccessDenied: the onboarding stack was deployed without EnableWriteActions.'
        : 'AccessDenied: the onboarding template does not grant this action.';
      return { action, allowed: false, reason };
    });
  }

  async listRegions(target: CloudTarget): Promise<string[]> {
    this.authorize(target, 'ec2:DescribeRegions');
    return [...defaultEnabledRegions];
  }

  // -------------------------------------------------------------------------------------------------
  // Inventory.

  /** The account's clusters in the region; one created on request only once it was created. */
  private clustersIn(principal: Principal, region: string): SandboxCluster[] {
    return this.world.clusters.filter(
      (c) =>
        c.awsAccountId === principal.account.awsAccountId &&
        c.region === region &&
        (!c.createdOnRequest || this.state.clusterCreatedAt(c.name) !== undefined),
    );
  }

  /**
   * Plays "a team creates this EKS cluster now" for a cluster of the world that exists only on request
   * (`createdOnRequest`): from now on the account lists it, and it is unmanaged until a discovery or the
   * Add Cluster wizard adopts it. Creating it again changes nothing. Undefined for a cluster that is not
   * in the world or always existed.
   */
  createCluster(name: string): { name: string; createdAt: string } | undefined {
    const cluster = this.world.clusters.find((c) => c.name === name);
    if (!cluster?.createdOnRequest) return undefined;
    return { name, createdAt: new Date(this.state.createCluster(name, this.now())).toISOString() };
  }

  /**
   * Plays "the team deletes the EKS cluster it created" (ADR 0065): the account no longer lists it, so a
   * scan's stale selection fails to adopt it. Creating it again is a new creation. False for a cluster
   * that always existed or is not created.
   */
  deleteCluster(name: string): boolean {
    const cluster = this.world.clusters.find((c) => c.name === name);
    return cluster?.createdOnRequest === true && this.state.deleteCluster(name);
  }

  /** EKS's creation time: the world's, or the instant a cluster made on request was created. */
  private createdAtOf(cluster: SandboxCluster): number {
    return (cluster.createdOnRequest && this.state.clusterCreatedAt(cluster.name)) || cluster.createdAtMs;
  }

  async describeInstances(target: CloudTarget): Promise<Ec2Instance[]> {
    const principal = this.authorize(target, 'ec2:DescribeInstances');
    const now = this.now();
    const out: Ec2Instance[] = [];
    for (const cluster of this.clustersIn(principal, target.region))
      for (const ng of cluster.nodeGroups)
        for (const node of this.simulation.nodesAt(ng, now)) out.push(this.ec2Instance(cluster, ng, node));
    // The nodes the world's own Karpenter pools launched for pending pods run (and bill) from their launch.
    for (const cluster of this.clustersIn(principal, target.region)) {
      this.kubernetes.catchUpCustomerKarpenter(cluster, now);
      for (const n of this.kubernetes.pools.nodesAt(cluster.name, now)) {
        if (!n.customer) continue;
        out.push({
          instanceId: n.instanceId,
          instanceType: n.instanceType,
          capacityType: n.capacityType,
          availabilityZone: n.zone,
          state: 'running',
          launchTime: new Date(n.launchedAtMs).toISOString(),
          privateDnsName: n.name,
          tags: {
            ...cluster.tags,
            [`kubernetes.io/cluster/${cluster.name}`]: 'owned',
            Name: `${cluster.name}/${n.nodePool}`,
            'karpenter.sh/nodepool': n.nodePool,
            'karpenter.k8s.aws/ec2nodeclass': 'default',
            'karpenter.sh/nodeclaim': `${n.nodePool}-${n.instanceId.slice(-5)}`,
            'eks:eks-cluster-name': cluster.name,
          },
          clusterName: cluster.name,
          autoScalingGroupName: null,
          nodegroupName: null,
          architecture: loadCatalog().instanceType(n.instanceType)?.architectures[0] ?? null,
        });
      }
    }
    for (const s of this.world.standaloneInstances) {
      if (s.awsAccountId !== principal.account.awsAccountId || s.region !== target.region) continue;
      const type = loadCatalog().instanceType(s.instanceType);
      out.push({
        instanceId: s.instanceId,
        instanceType: s.instanceType,
        capacityType: 'on-demand',
        availabilityZone: s.zone,
        state: 'running',
        launchTime: new Date(s.launchTimeMs).toISOString(),
        privateDnsName: privateDns(s.privateIp, s.region),
        tags: { Name: s.name },
        clusterName: null,
        autoScalingGroupName: null,
        nodegroupName: null,
        architecture: type?.architectures[0] ?? null,
      });
    }
    for (const h of this.handLaunches) {
      if (h.awsAccountId !== principal.account.awsAccountId || h.region !== target.region) continue;
      out.push({
        instanceId: h.instanceId,
        instanceType: h.instanceType,
        capacityType: 'on-demand',
        availabilityZone: h.zone,
        state: 'running',
        launchTime: new Date(h.launchTimeMs).toISOString(),
        privateDnsName: null,
        tags: {},
        clusterName: null,
        autoScalingGroupName: null,
        nodegroupName: null,
        architecture: loadCatalog().instanceType(h.instanceType)?.architectures[0] ?? null,
      });
    }
    return out;
  }

  /**
   * `ec2:RunInstances` by a person with the account's own access keys (the IAM user `sandbox-admin`):
   * an on-demand instance outside any group, which CloudTrail records with that user as its launcher.
   * The onboarding role may not launch anything.
   */
  runInstances(
    target: CloudTarget,
    request: { instanceType: string; zone?: string },
  ): { instanceId: string } {
    const principal = this.authenticate(target.credentials);
    if (principal.role)
      throw new CloudAccessError(
        'ACCESS_DENIED',
        `${principal.role.roleArn} is not allowed to call ec2:RunInstances (AccessDenied).`,
        'ec2:RunInstances',
      );
    const launchTimeMs = this.now();
    const hash = hashString(`${principal.account.awsAccountId}/${this.handLaunches.length}/${launchTimeMs}`);
    const launch: HandLaunch = {
      awsAccountId: principal.account.awsAccountId,
      region: target.region,
      zone: request.zone ?? `${target.region}a`,
      instanceId: `i-0${hexId(16, hash, 7)}`,
      instanceType: request.instanceType,
      launchTimeMs,
      principal: principal.arn,
    };
    this.handLaunches.push(launch);
    return { instanceId: launch.instanceId };
  }

  /**
   * CloudTrail's RunInstances events as the sandbox knows them: a group's nodes were launched by the
   * Auto Scaling service-linked role (managed node groups run on an ASG too) or Karpenter's controller
   * role, standalone instances and hand launches by the account's IAM user.
   */
  async lookupInstanceLaunches(
    target: CloudTarget,
    instanceIds: readonly string[],
  ): Promise<Record<string, InstanceLaunchLookup>> {
    const ids = [...new Set(instanceIds)];
    const out: Record<string, InstanceLaunchLookup> = {};
    let principal: Principal;
    try {
      principal = this.authorize(target, 'cloudtrail:LookupEvents');
    } catch (error) {
      if (!(error instanceof CloudAccessError) || error.cloudCode !== 'ACCESS_DENIED') throw error;
      for (const id of ids)
        out[id] = {
          outcome: 'unknown',
          reason: 'access-denied',
          message: 'cloudtrail:LookupEvents not allowed',
        };
      return out;
    }
    const account = principal.account.awsAccountId;
    const user = `arn:aws:iam::${account}:user/sandbox-admin`;
    const known = new Map<string, { principal: string; launchTimeMs: number }>();
    const now = this.now();
    for (const cluster of this.clustersIn(principal, target.region))
      for (const ng of cluster.nodeGroups)
        for (const node of this.simulation.nodesAt(ng, now))
          known.set(node.instanceId, {
            principal:
              ng.kind === 'karpenter'
                ? `arn:aws:sts::${account}:assumed-role/KarpenterControllerRole-${cluster.name}/${node.launchTimeMs}`
                : `arn:aws:sts::${account}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
            launchTimeMs: node.launchTimeMs,
          });
    for (const s of this.world.standaloneInstances)
      if (s.awsAccountId === account && s.region === target.region)
        known.set(s.instanceId, { principal: user, launchTimeMs: s.launchTimeMs });
    for (const h of this.handLaunches)
      if (h.awsAccountId === account && h.region === target.region)
        known.set(h.instanceId, { principal: h.principal, launchTimeMs: h.launchTimeMs });
    ids.forEach((id, i) => {
      const hit = known.get(id);
      out[id] =
        i >= maxInstanceLaunchLookups
          ? {
              outcome: 'unknown',
              reason: 'not-looked-up',
              message: `not looked up: CloudTrail is asked about ${maxInstanceLaunchLookups} instances at most per read`,
            }
          : // CloudTrail keeps 90 days of management events.
            hit && hit.launchTimeMs >= now - 90 * 24 * HOUR_MS
            ? {
                outcome: 'found',
                principal: hit.principal,
                eventTime: new Date(hit.launchTimeMs).toISOString(),
              }
            : { outcome: 'not-found' };
    });
    return out;
  }

  private ec2Instance(cluster: SandboxCluster, ng: SandboxNodeGroup, node: SandboxNode): Ec2Instance {
    const tags: Record<string, string> = {
      ...cluster.tags,
      [`kubernetes.io/cluster/${cluster.name}`]: 'owned',
    };
    if (ng.kind === 'managed') {
      Object.assign(tags, {
        Name: `${cluster.name}-${ng.name}-Node`,
        'eks:cluster-name': cluster.name,
        'eks:nodegroup-name': ng.name,
        'aws:eks:cluster-name': cluster.name,
        'aws:autoscaling:groupName': ng.autoScalingGroupName ?? '',
      });
    } else if (ng.kind === 'self-managed') {
      Object.assign(tags, {
        Name: `${cluster.name}-${ng.name}`,
        'aws:autoscaling:groupName': ng.autoScalingGroupName ?? '',
      });
    } else {
      Object.assign(tags, {
        Name: `${cluster.name}/${ng.name}`,
        'karpenter.sh/nodepool': ng.name,
        'karpenter.k8s.aws/ec2nodeclass': 'default',
        'karpenter.sh/nodeclaim': `${ng.name}-${node.instanceId.slice(-5)}`,
        'eks:eks-cluster-name': cluster.name,
      });
    }
    return {
      instanceId: node.instanceId,
      instanceType: node.slot.instanceType,
      capacityType: node.slot.capacityType,
      availabilityZone: node.slot.zone,
      state: 'running',
      launchTime: new Date(node.launchTimeMs).toISOString(),
      privateDnsName: node.name,
      tags,
      clusterName: cluster.name,
      autoScalingGroupName: ng.autoScalingGroupName,
      nodegroupName: ng.kind === 'managed' ? ng.name : null,
      architecture: node.slot.architecture,
    };
  }

  async describeAutoScalingGroups(target: CloudTarget): Promise<AutoScalingGroup[]> {
    const principal = this.authorize(target, 'autoscaling:DescribeAutoScalingGroups');
    const now = this.now();
    const out: AutoScalingGroup[] = [];
    for (const cluster of this.clustersIn(principal, target.region)) {
      for (const ng of cluster.nodeGroups) {
        if (!ng.autoScalingGroupName) continue;
        const scaling = this.simulation.scalingAt(ng, now);
        const tags: Record<string, string> = { [`kubernetes.io/cluster/${cluster.name}`]: 'owned' };
        if (ng.autoscaled || ng.kind === 'managed') {
          tags['k8s.io/cluster-autoscaler/enabled'] = 'true';
          tags[`k8s.io/cluster-autoscaler/${cluster.name}`] = 'owned';
        }
        if (ng.kind === 'managed') {
          tags['eks:cluster-name'] = cluster.name;
          tags['eks:nodegroup-name'] = ng.name;
        } else Object.assign(tags, cluster.tags, { Name: `${cluster.name}-${ng.name}` });
        out.push({
          name: ng.autoScalingGroupName,
          minSize: scaling.minSize,
          desiredCapacity: scaling.desiredSize,
          maxSize: scaling.maxSize,
          instanceIds: this.simulation.nodesAt(ng, now).map((n) => n.instanceId),
          instanceTypes: [...ng.instanceTypes],
          // A mixed instances policy exists for spot and mixed groups; a plain launch template otherwise.
          onDemandPercentageAboveBase:
            ng.capacity === 'on-demand'
              ? null
              : (this.asgSpot.distributionOf(ng.autoScalingGroupName)?.onDemandPercentageAboveBase ??
                ng.onDemandPercentAboveBase),
          onDemandBaseCapacity:
            ng.capacity === 'on-demand'
              ? null
              : (this.asgSpot.distributionOf(ng.autoScalingGroupName)?.onDemandBaseCapacity ?? 0),
          tags,
        });
      }
    }
    return out;
  }

  async listEksClusters(target: CloudTarget): Promise<EksCluster[]> {
    const principal = this.authorize(target, 'eks:ListClusters', 'eks:DescribeCluster');
    return this.clustersIn(principal, target.region).map((c) => ({
      name: c.name,
      arn: c.arn,
      kubernetesVersion: c.kubernetesVersion,
      status: 'ACTIVE',
      endpoint: c.endpoint,
      // EKS's default when a cluster is created: public, from anywhere, no private access.
      endpointAccess: { publicAccess: true, privateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] },
      createdAt: new Date(this.createdAtOf(c)).toISOString(),
      tags: { ...c.tags },
    }));
  }

  async listNodegroups(target: CloudTarget, clusterName: string): Promise<EksNodegroup[]> {
    const principal = this.authorize(target, 'eks:ListNodegroups', 'eks:DescribeNodegroup');
    const cluster = this.clustersIn(principal, target.region).find((c) => c.name === clusterName);
    if (!cluster) throw new NotFoundError(`EKS cluster ${clusterName} in ${target.region}`);
    const now = this.now();
    return cluster.nodeGroups
      .filter((ng) => ng.kind === 'managed')
      .map((ng) => {
        const scaling = this.simulation.scalingAt(ng, now);
        return {
          clusterName: cluster.name,
          name: ng.name,
          capacityType: ng.capacity === 'spot' ? 'spot' : 'on-demand',
          instanceTypes: [...ng.instanceTypes],
          minSize: scaling.minSize,
          desiredSize: scaling.desiredSize,
          maxSize: scaling.maxSize,
          autoScalingGroupNames: ng.autoScalingGroupName ? [ng.autoScalingGroupName] : [],
          labels: { ...ng.labels },
          taints: ng.taints.map((t) => ({ ...t })),
          status: 'ACTIVE',
          tags: { ...cluster.tags, 'eks:cluster-name': cluster.name, 'eks:nodegroup-name': ng.name },
        };
      });
  }

  async describeInstanceTypes(
    target: CloudTarget,
    instanceTypes: readonly string[],
  ): Promise<InstanceTypeInfo[]> {
    this.authorize(target, 'ec2:DescribeInstanceTypes');
    const catalog = loadCatalog();
    const out: InstanceTypeInfo[] = [];
    for (const name of new Set(instanceTypes)) {
      const type = catalog.instanceType(name);
      if (!type) continue;
      out.push({
        instanceType: type.name,
        vcpus: type.vcpu,
        memoryMiB: type.memoryMiB,
        architectures: [...type.architectures],
        gpus: type.gpu?.count ?? 0,
        burstable: type.burstable,
      });
    }
    return out;
  }

  /**
   * Spot prices of the types in every zone of the region since `since` (at most 90 days): the price in
   * force at `since`, then each change, oldest first per type and zone.
   */
  async spotPriceHistory(
    target: CloudTarget,
    instanceTypes: readonly string[],
    since: Date,
  ): Promise<SpotPricePoint[]> {
    this.authorize(target, 'ec2:DescribeSpotPriceHistory');
    const now = this.now();
    const from = spotStepStartMs(Math.max(since.getTime(), now - SPOT_HISTORY_MS));
    const step = SPOT_PRICE_STEP_HOURS * HOUR_MS;
    const out: SpotPricePoint[] = [];
    const zones = this.spotZones(target.region);
    for (const instanceType of new Set(instanceTypes)) {
      if (!spotAdvice(instanceType, target.region)) continue;
      for (const zone of zones) {
        let previous: number | undefined;
        for (let t = from; t <= now; t += step) {
          const price = sandboxSpotUsd(instanceType, zone, t);
          if (price === undefined || price === previous) continue;
          previous = price;
          out.push({
            instanceType,
            availabilityZone: zone,
            priceUsdPerHour: price,
            timestamp: new Date(t).toISOString(),
          });
        }
      }
    }
    return out;
  }

  /**
   * The zones the spot price history covers in a region: the region's known zones and every zone the
   * world's clusters there run nodes in (the world picks `d` zones in regions this table does not list;
   * EC2 has a price wherever an instance runs, and a bill read with none counted those nodes at $0).
   */
  private spotZones(region: string): string[] {
    const zones = new Set((regionZoneLetters[region] ?? ['a', 'b', 'c']).map((l) => `${region}${l}`));
    for (const c of this.world.clusters) if (c.region === region) for (const z of c.zones) zones.add(z);
    return [...zones].sort();
  }

  /** The sandbox's simulated Pricing API: us-east-1 catalog price x the region's factor (see prices.ts). */
  async onDemandPrices(
    target: CloudTarget,
    instanceTypes: readonly string[],
  ): Promise<Record<string, number>> {
    this.authorize(target, 'pricing:GetProducts');
    const out: Record<string, number> = {};
    for (const name of instanceTypes) {
      const price = sandboxOnDemandUsd(name, target.region);
      if (price !== undefined) out[name] = price;
    }
    return out;
  }

  /**
   * CloudWatch metrics from the world's usage. Supported (others return no points):
   * - AWS/EC2 CPUUtilization and CWAgent mem_used_percent by InstanceId (running instances);
   * - AWS/EC2 CPUUtilization and AWS/AutoScaling GroupDesiredCapacity / GroupInServiceInstances by
   *   AutoScalingGroupName;
   * - ContainerInsights cluster_node_count, node_cpu_limit, node_memory_limit, node_cpu_utilization,
   *   node_memory_utilization, node_cpu_reserved_capacity, node_memory_reserved_capacity by ClusterName.
   * Values are hourly; Maximum/p99/p95/Minimum scale the hour's mean by 1.3/1.25/1.2/0.7 (percentages
   * capped at 100), Sum multiplies by the 1-minute samples in the period.
   */
  async getMetricData(
    target: CloudTarget,
    queries: readonly MetricQuery[],
    from: Date,
    to: Date,
  ): Promise<MetricSeries[]> {
    const principal = this.authorize(target, 'cloudwatch:GetMetricData');
    const now = this.now();
    const end = Math.min(to.getTime(), now);
    const clusters = this.clustersIn(principal, target.region);
    let instanceIndex: Map<string, { ng: SandboxNodeGroup; node: SandboxNode }> | undefined;
    const instances = () => {
      if (!instanceIndex) {
        instanceIndex = new Map();
        for (const cluster of clusters)
          for (const ng of cluster.nodeGroups)
            for (const node of this.simulation.nodesAt(ng, end))
              instanceIndex.set(node.instanceId, { ng, node });
      }
      return instanceIndex;
    };
    return queries.map((query) => {
      const series = (value: (timeMs: number) => number | null, percent: boolean): MetricSeries => {
        const period = Math.max(60, query.periodSeconds) * 1000;
        const points: MetricSeries['points'] = [];
        for (
          let t = Math.ceil(from.getTime() / period) * period;
          t < end && points.length < MAX_METRIC_POINTS;
          t += period
        ) {
          const v = value(t);
          if (v === null) continue;
          points.push({ timestamp: new Date(t).toISOString(), value: applyStat(v, query, percent) });
        }
        return { id: query.id, points };
      };
      const sim = this.simulation;
      const d = query.dimensions;
      if (
        d.InstanceId &&
        (query.metricName === 'CPUUtilization' || query.metricName === 'mem_used_percent')
      ) {
        const hit = instances().get(d.InstanceId);
        if (!hit) return { id: query.id, points: [] };
        const cpu = query.metricName === 'CPUUtilization';
        return series((t) => {
          if (t < hit.node.launchTimeMs) return null;
          const h = hourOf(t);
          const usage = sim.groupUsage(hit.ng, h);
          const jitter = 0.8 + 0.4 * unit(hit.ng.hash, hit.node.slot.index, h, cpu ? 1 : 2);
          const ratio = cpu
            ? usage.usedCpuMilli / Math.max(1, usage.capacityCpuMilli)
            : usage.usedMemoryMiB / Math.max(1, usage.capacityMemoryMiB) + 0.08;
          return Math.min(100, 100 * ratio * jitter);
        }, true);
      }
      if (d.AutoScalingGroupName) {
        const ng = clusters
          .flatMap((c) => c.nodeGroups)
          .find((g) => g.autoScalingGroupName === d.AutoScalingGroupName);
        if (!ng) return { id: query.id, points: [] };
        if (query.metricName === 'GroupDesiredCapacity' || query.metricName === 'GroupInServiceInstances')
          return series((t) => sim.desiredAt(ng, t), false);
        if (query.metricName === 'CPUUtilization')
          return series((t) => {
            const usage = sim.groupUsage(ng, hourOf(t));
            return usage.nodes === 0
              ? null
              : (100 * usage.usedCpuMilli) / Math.max(1, usage.capacityCpuMilli);
          }, true);
      }
      if (d.ClusterName) {
        const cluster = clusters.find((c) => c.name === d.ClusterName);
        if (!cluster) return { id: query.id, points: [] };
        const total = (t: number) => {
          const sum = {
            nodes: 0,
            cpu: 0,
            memory: 0,
            cpuRequested: 0,
            memoryRequested: 0,
            capacityCpu: 0,
            capacityMemory: 0,
          };
          for (const ng of cluster.nodeGroups) {
            const usage = sim.groupUsage(ng, hourOf(t));
            sum.nodes += usage.nodes;
            sum.cpu += usage.usedCpuMilli;
            sum.memory += usage.usedMemoryMiB;
            sum.cpuRequested += usage.requestedCpuMilli;
            sum.memoryRequested += usage.requestedMemoryMiB;
            sum.capacityCpu += usage.capacityCpuMilli;
            sum.capacityMemory += usage.capacityMemoryMiB;
          }
          return sum;
        };
        type Sum = ReturnType<typeof total>;
        // Container Insights names: per-node averages (millicores, bytes) and percentages of allocatable.
        const clusterMetrics: Record<string, [(s: Sum) => number, boolean]> = {
          cluster_node_count: [(s) => s.nodes, false],
          node_cpu_limit: [(s) => s.capacityCpu / s.nodes, false],
          node_memory_limit: [(s) => (s.capacityMemory / s.nodes) * 2 ** 20, false],
          node_cpu_utilization: [(s) => (100 * s.cpu) / Math.max(1, s.capacityCpu), true],
          node_memory_utilization: [(s) => (100 * s.memory) / Math.max(1, s.capacityMemory), true],
          node_cpu_reserved_capacity: [(s) => (100 * s.cpuRequested) / Math.max(1, s.capacityCpu), true],
          node_memory_reserved_capacity: [
            (s) => (100 * s.memoryRequested) / Math.max(1, s.capacityMemory),
            true,
          ],
        };
        const known = clusterMetrics[query.metricName];
        if (known) {
          const [read, percent] = known;
          return series((t) => {
            const s = total(t);
            return s.nodes ? read(s) : null;
          }, percent);
        }
      }
      return { id: query.id, points: [] };
    });
  }

  async describeSecurityGroups(target: CloudTarget): Promise<SecurityGroup[]> {
    const principal = this.authorize(target, 'ec2:DescribeSecurityGroups');
    const out: SecurityGroup[] = [];
    for (const cluster of this.clustersIn(principal, target.region)) {
      for (const sg of cluster.securityGroups) out.push({ ...sg, vpcId: cluster.vpcId });
      out.push({
        groupId: `sg-0${cluster.vpcId.slice(-16)}`,
        groupName: 'default',
        vpcId: cluster.vpcId,
        description: 'default VPC security group',
      });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------
  // Karpenter NodePools (Kubernetes objects: the sandbox's KubernetesPort answers through these).

  /**
   * A NodePool's `spec.limits.cpu` at an instant: the last one set through the port, else the pool's own,
   * the CPUs of its largest size (max nodes x the vCPUs its pods may use per node, rounded up).
   */
  nodePoolCpuLimitAt(ng: SandboxNodeGroup, atMs: number): string | null {
    const set = this.state.nodePoolLimitAt(ng.key, atMs);
    if (set) return set.cpu;
    return String(Math.ceil((ng.maxSize * ng.podCapacityPerNode.cpuMilli) / 1000));
  }

  private nodePoolOf(target: CloudTarget, clusterName: string, nodePool: string, ...actions: string[]) {
    const cluster = this.clusterFor(target, clusterName, ...actions);
    const ng = cluster.nodeGroups.find((g) => g.kind === 'karpenter' && g.name === nodePool);
    if (!ng) throw new NotFoundError(`Karpenter NodePool ${nodePool} of ${clusterName}`);
    return ng;
  }

  nodePools(
    target: CloudTarget,
    clusterName: string,
  ): { name: string; cpuLimit: string | null; nodeCount: number }[] {
    const cluster = this.clusterFor(target, clusterName, 'eks:DescribeCluster');
    const now = this.now();
    return cluster.nodeGroups
      .filter((g) => g.kind === 'karpenter')
      .map((g) => ({
        name: g.name,
        cpuLimit: this.nodePoolCpuLimitAt(g, now),
        nodeCount: this.simulation.desiredAt(g, now),
      }));
  }

  /**
   * The cluster's Karpenter objects as the API server would list them: each seeded Karpenter group is a
   * NodePool the customer wrote (no Spot Optimizer mark) with its `default` EC2NodeClass, then the objects
   * agents applied, as applied (ADR 0042).
   */
  karpenterObjects(clusterName: string): LiveKarpenterObject[] {
    const cluster = this.simulation.cluster(clusterName);
    if (!cluster) return [];
    const now = this.now();
    const seeded = cluster.nodeGroups.filter((g) => g.kind === 'karpenter');
    const out: LiveKarpenterObject[] = seeded.map((g) => ({
      kind: 'NodePool',
      name: g.name,
      labels: {},
      annotations: {},
      spec: {
        template: {
          metadata: { labels: { ...g.labels } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [...g.instanceTypes] },
              // What the pool's capacity is (Karpenter's default without this requirement is on-demand).
              {
                key: 'karpenter.sh/capacity-type',
                operator: 'In',
                values: g.capacity === 'mixed' ? ['spot', 'on-demand'] : [g.capacity],
              },
            ],
            taints: g.taints.map((t) => ({ ...t })),
          },
        },
        limits: { cpu: this.nodePoolCpuLimitAt(g, now) },
      },
    }));
    if (seeded.length > 0)
      out.push({
        kind: 'EC2NodeClass',
        name: 'default',
        labels: {},
        annotations: {},
        spec: { role: `KarpenterNodeRole-${clusterName}` },
      });
    for (const m of this.kubernetes.writes.karpenterObjects(clusterName)) {
      const meta = m.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> };
      const at = out.findIndex((o) => o.kind === m.kind && o.name === m.metadata.name);
      const object: LiveKarpenterObject = {
        kind: m.kind,
        name: m.metadata.name,
        labels: { ...(at >= 0 ? out[at]?.labels : {}), ...meta.labels },
        annotations: { ...(at >= 0 ? out[at]?.annotations : {}), ...meta.annotations },
        // A server-side apply: maps merge field by field, a list is replaced whole (Kubernetes' rules
        // for a CRD's fields without merge keys), so a partial apply keeps the rest of the object.
        spec: serverSideMerge(at >= 0 ? (out[at]?.spec ?? {}) : {}, m.spec),
      };
      if (at >= 0) out[at] = object;
      else out.push(object);
    }
    return out;
  }

  /** The world's own NodePools of the cluster as the sandbox's Karpenter reads them now (edits applied). */
  private customerPoolSpecs(clusterName: string): PoolSpec[] {
    const seeded = new Set(
      this.simulation
        .cluster(clusterName)
        ?.nodeGroups.filter((g) => g.kind === 'karpenter')
        .map((g) => g.name) ?? [],
    );
    return this.karpenterObjects(clusterName)
      .filter((o) => o.kind === 'NodePool' && seeded.has(o.name))
      .map((o) =>
        poolSpecOf({
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodePool',
          metadata: { name: o.name, labels: { ...o.labels }, annotations: { ...o.annotations } },
          spec: { ...o.spec },
        } satisfies KarpenterManifest),
      );
  }

  /** {@link karpenterObjects} through the port: the collector's access entry reads them. */
  listKarpenterObjects(target: CloudTarget, clusterName: string): LiveKarpenterObject[] {
    const cluster = this.clusterFor(target, clusterName, 'eks:DescribeCluster');
    return this.karpenterObjects(cluster.name);
  }

  /**
   * Sets the pool's CPU limit. Lowering it launches nothing and removes nothing (as in Karpenter); a
   * limit that lets the pool grow again from empty makes it follow its pods from now on, within its
   * size and the limit.
   */
  setNodePoolCpuLimit(target: CloudTarget, clusterName: string, nodePool: string, cpu: string | null): void {
    // Kubernetes writes go through the hibernation access entry, granted with the write policy.
    const ng = this.nodePoolOf(
      target,
      clusterName,
      nodePool,
      'eks:DescribeCluster',
      'eks:UpdateNodegroupConfig',
    );
    this.limitNodePool(ng, cpu);
  }

  /**
   * The in-cluster agent's server-side apply of a NodePool that exists in the sandbox cluster (write mode,
   * ADR 0037): its `spec.limits.cpu` is the pool's limit from now on (left as it was when the apply has
   * none: a partial apply of a person's edit, ADR 0079); `limits.nodes` caps the pool's size from now on
   * (the nodes it runs stay, as Karpenter removes none for a lowered limit). A capacity type applied
   * shows in the object; the simulated nodes keep theirs, as an ASG's do (ADR 0046). The agent's own RBAC
   * is the check.
   */
  applyNodePoolFromAgent(
    clusterName: string,
    nodePool: string,
    limits: { cpu?: string | null; nodes?: number | null },
  ): boolean {
    const ng = this.simulation
      .cluster(clusterName)
      ?.nodeGroups.find((g) => g.kind === 'karpenter' && g.name === nodePool);
    if (!ng) return false;
    if (limits.cpu !== undefined) this.limitNodePool(ng, limits.cpu);
    if (limits.nodes !== undefined && limits.nodes !== null) {
      const now = this.now();
      const scaling = this.simulation.scalingAt(ng, now);
      const current = this.simulation.desiredAt(ng, now);
      const maxSize = Math.max(limits.nodes, Math.min(current, scaling.maxSize));
      this.state.addOverride({
        nodeGroupKey: ng.key,
        atMs: now,
        minSize: Math.min(scaling.minSize, maxSize),
        desiredSize: Math.min(current, maxSize),
        maxSize,
      });
    }
    return true;
  }

  /**
   * The agent deleted a drained node of a Karpenter NodePool (`delete-node`, ADR 0044): Karpenter's
   * finalizer terminates its instance, so the pool runs one node fewer from now on, its bill with it. Like
   * an ASG termination here, that node's slot is vacated and the others keep running; the pool's
   * autoscaling moves it from there as its pods' need moves, as Karpenter provisions for pending pods.
   */
  removeKarpenterNodeFromAgent(clusterName: string, node: string): boolean {
    const now = this.now();
    // A node the sandbox's Karpenter launched for pending pods: the pools' own, not a seeded slot.
    if (this.kubernetes.pools.nodesAt(clusterName, now).some((n) => n.name === node)) return false;
    const ng = this.simulation
      .cluster(clusterName)
      ?.nodeGroups.find(
        (g) =>
          g.kind === 'karpenter' &&
          this.kubernetes
            .snapshotAt(clusterName, new Date(now))
            .nodes.some((n) => n.name === node && n.labels['karpenter.sh/nodepool'] === g.name),
      );
    if (!ng) return false;
    const scaling = this.simulation.scalingAt(ng, now);
    const desiredSize = Math.max(0, scaling.desiredSize - 1);
    const slot = this.simulation.nodesAt(ng, now).find((n) => n.name === node)?.slot.index;
    this.state.addOverride({
      nodeGroupKey: ng.key,
      atMs: now,
      minSize: Math.min(scaling.minSize, desiredSize),
      desiredSize,
      maxSize: scaling.maxSize,
      ...(slot === undefined ? {} : { vacatedSlots: [slot] }),
    });
    return true;
  }

  private limitNodePool(ng: SandboxNodeGroup, cpu: string | null): void {
    const cpuMilli = cpu === null ? Number.POSITIVE_INFINITY : cpuQuantityMilli(cpu);
    if (Number.isNaN(cpuMilli))
      throw new ValidationError(
        `spec.limits.cpu ${cpu} is not a Kubernetes CPU quantity (such as 64 or 500m).`,
      );
    const now = this.now();
    this.state.setNodePoolLimit({ nodeGroupKey: ng.key, atMs: now, cpu });
    const perNode = Math.max(1, ng.podCapacityPerNode.cpuMilli);
    const maxNodes = Math.min(ng.maxSize, Math.floor(cpuMilli / perNode));
    // Only a pool the product emptied (or capped) has a scaling change to lift; existing nodes stay.
    if (maxNodes > 0 && this.simulation.overrideAt(ng, now)) {
      const current = this.simulation.desiredAt(ng, now);
      const needed = this.simulation.neededNodes(ng, Math.floor(now / HOUR_MS));
      const minSize = Math.min(ng.minSize, maxNodes);
      this.state.addOverride({
        nodeGroupKey: ng.key,
        atMs: now,
        minSize,
        desiredSize: Math.min(maxNodes, Math.max(minSize, needed, current)),
        maxSize: Math.max(maxNodes, current),
      });
    }
  }

  /** Deletes the pool's NodeClaims except those of `keepNodeNames`: their nodes are gone from now on. */
  removeNodePoolNodes(
    target: CloudTarget,
    clusterName: string,
    nodePool: string,
    keepNodeNames: readonly string[],
  ): void {
    const ng = this.nodePoolOf(
      target,
      clusterName,
      nodePool,
      'eks:DescribeCluster',
      'eks:UpdateNodegroupConfig',
    );
    const now = this.now();
    const keep = new Set(keepNodeNames);
    const kept = this.simulation.nodesAt(ng, now).filter((n) => keep.has(n.name)).length;
    // The sandbox's nodes are numbered slots: keeping k nodes keeps the first k.
    this.state.addOverride({
      nodeGroupKey: ng.key,
      atMs: now,
      minSize: kept,
      desiredSize: kept,
      maxSize: kept,
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Writes.

  async updateAutoScalingGroup(
    target: CloudTarget,
    update: { name: string; minSize: number; desiredCapacity: number; maxSize: number },
  ): Promise<void> {
    const principal = this.authorize(target, 'autoscaling:UpdateAutoScalingGroup');
    const ng = this.clustersIn(principal, target.region)
      .flatMap((c) => c.nodeGroups)
      .find((g) => g.autoScalingGroupName === update.name);
    if (!ng)
      throw new ValidationError(
        `Auto Scaling group ${update.name} was not found in ${target.region} of account ${principal.account.awsAccountId}.`,
      );
    checkSizes(update.minSize, update.desiredCapacity, update.maxSize, 'Desired capacity');
    this.state.addOverride({
      nodeGroupKey: ng.key,
      atMs: this.now(),
      minSize: update.minSize,
      desiredSize: update.desiredCapacity,
      maxSize: update.maxSize,
    });
  }

  /**
   * TerminateInstanceInAutoScalingGroup. Refused as AWS refuses it: a role without the write option is
   * skipped with the permission named, a decrement below the minimum and an instance no group holds are
   * skipped too. With the decrement, the named instance goes (its slot is vacated) and the desired
   * capacity drops by one and holds, as in AWS: the other instances keep running, and the bill drops by
   * that instance's price.
   */
  async terminateInstanceInAutoScalingGroup(
    target: CloudTarget,
    request: { instanceId: string; decrementDesiredCapacity: boolean },
  ): Promise<InstanceTermination> {
    const action = 'autoscaling:TerminateInstanceInAutoScalingGroup';
    let principal: Principal;
    try {
      principal = this.authorize(target, action);
    } catch (error) {
      if (error instanceof CloudAccessError && error.cloudCode === 'ACCESS_DENIED')
        return { outcome: 'skipped', reason: 'access-denied', message: error.message };
      throw error;
    }
    const now = this.now();
    let ng: SandboxNodeGroup | undefined;
    let slot = -1;
    for (const g of this.clustersIn(principal, target.region).flatMap((c) => c.nodeGroups)) {
      if (g.autoScalingGroupName === null) continue;
      const node = this.simulation.nodesAt(g, now).find((n) => n.instanceId === request.instanceId);
      if (node) {
        ng = g;
        slot = node.slot.index;
        break;
      }
    }
    if (!ng)
      return {
        outcome: 'skipped',
        reason: 'not-in-group',
        message: `${request.instanceId} is not (or no longer) an in-service instance of an Auto Scaling group: nothing was terminated.`,
      };
    const scaling = this.simulation.scalingAt(ng, now);
    if (!request.decrementDesiredCapacity) {
      // The group launches a replacement at once: same size, nothing to record.
      return { outcome: 'terminating', activityId: `sandbox-${now}`, description: null };
    }
    if (scaling.desiredSize - 1 < scaling.minSize)
      return {
        outcome: 'skipped',
        reason: 'group-minimum',
        message: `The Auto Scaling group of ${request.instanceId} is at its minimum size: lower the minimum to let the optimizer remove it.`,
      };
    this.state.addOverride({
      nodeGroupKey: ng.key,
      atMs: now,
      minSize: scaling.minSize,
      desiredSize: scaling.desiredSize - 1,
      maxSize: scaling.maxSize,
      vacatedSlots: [slot],
    });
    return {
      outcome: 'terminating',
      activityId: `sandbox-${now}`,
      description: `Terminating EC2 instance: ${request.instanceId}`,
    };
  }

  /** Spot shortages and on-demand distributions of the sandbox's Auto Scaling groups (ADR 0046). */
  readonly asgSpot = new AsgSpotCapacity();

  private groupNamed(principal: Principal, region: string, name: string) {
    return this.clustersIn(principal, region)
      .flatMap((c) => c.nodeGroups)
      .find((g) => g.autoScalingGroupName === name);
  }

  async describeScalingActivities(
    target: CloudTarget,
    groupName: string,
    since: Date,
  ): Promise<ScalingActivity[]> {
    const principal = this.authorize(target, 'autoscaling:DescribeScalingActivities');
    const ng = this.groupNamed(principal, target.region, groupName);
    if (!ng || ng.capacity === 'on-demand') return [];
    return this.asgSpot.activities(
      groupName,
      ng.onDemandPercentAboveBase,
      since.getTime(),
      this.now(),
      ng.instanceTypes[0] ?? 'm5.large',
    );
  }

  /** UpdateAutoScalingGroup's MixedInstancesPolicy distribution; refused as AWS refuses it. */
  async updateOnDemandDistribution(
    target: CloudTarget,
    update: { name: string; onDemandBaseCapacity: number; onDemandPercentageAboveBase: number },
  ): Promise<DistributionUpdate> {
    const action = 'autoscaling:UpdateAutoScalingGroup';
    let principal: Principal;
    try {
      principal = this.authorize(target, action);
    } catch (error) {
      if (error instanceof CloudAccessError && error.cloudCode === 'ACCESS_DENIED')
        return { outcome: 'skipped', reason: 'access-denied', message: error.message };
      throw error;
    }
    const ng = this.groupNamed(principal, target.region, update.name);
    if (!ng || ng.capacity === 'on-demand')
      return {
        outcome: 'skipped',
        reason: 'not-found',
        message: `Auto Scaling group ${update.name} has no mixed instances policy in ${target.region}: nothing was changed.`,
      };
    this.asgSpot.setDistribution(update.name, update, this.now());
    return { outcome: 'updated' };
  }

  /** Objects written to the sandbox accounts' buckets: `<awsAccountId>/<bucket>/<key>` -> body. */
  readonly objects = new Map<string, { body: string; contentType: string; writtenAt: string }>();

  /**
   * S3 PutObject into a bucket of the caller's account. The sandbox stands for a bucket whose policy
   * grants the onboarding role `s3:PutObject` (what an S3 audit destination asks the customer to add),
   * so any authenticated principal of the account may write; objects stay in memory.
   */
  async putObject(
    target: CloudTarget,
    object: { bucket: string; key: string; body: string; contentType: string },
  ): Promise<void> {
    const principal = this.authenticate(target.credentials);
    this.objects.set(`${principal.account.awsAccountId}/${object.bucket}/${object.key}`, {
      body: object.body,
      contentType: object.contentType,
      writtenAt: new Date(this.now()).toISOString(),
    });
  }

  async updateNodegroupScaling(
    target: CloudTarget,
    update: {
      clusterName: string;
      nodegroupName: string;
      minSize: number;
      desiredSize: number;
      maxSize: number;
    },
  ): Promise<void> {
    const principal = this.authorize(target, 'eks:UpdateNodegroupConfig');
    const cluster = this.clustersIn(principal, target.region).find((c) => c.name === update.clusterName);
    if (!cluster) throw new NotFoundError(`EKS cluster ${update.clusterName} in ${target.region}`);
    const ng = cluster.nodeGroups.find((g) => g.name === update.nodegroupName && g.kind === 'managed');
    if (!ng) throw new NotFoundError(`Managed node group ${update.nodegroupName} of ${update.clusterName}`);
    if (update.maxSize < 1)
      throw new ValidationError(
        'EKS rejects maxSize 0 for a managed node group (InvalidParameterException): hibernate with minSize 0 and desiredSize 0, and keep maxSize.',
      );
    checkSizes(update.minSize, update.desiredSize, update.maxSize, 'desiredSize');
    this.state.addOverride({
      nodeGroupKey: ng.key,
      atMs: this.now(),
      minSize: update.minSize,
      desiredSize: update.desiredSize,
      maxSize: update.maxSize,
    });
  }
}

/** A Kubernetes CPU quantity in millicores (`2`, `1.5`, `500m`); NaN when it is not one. */
function cpuQuantityMilli(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!match) return Number.NaN;
  return match[2] === 'm' ? Number(match[1]) : Number(match[1]) * 1000;
}

function checkSizes(min: number, desired: number, max: number, desiredName: string): void {
  if (![min, desired, max].every((n) => Number.isInteger(n) && n >= 0))
    throw new ValidationError('Sizes must be whole numbers of 0 or more.');
  if (min > max || desired < min || desired > max)
    throw new ValidationError(
      `${desiredName} ${desired} must be between the min size ${min} and the max size ${max}.`,
    );
}

function applyStat(value: number, query: MetricQuery, percent: boolean): number {
  const factor = { Average: 1, Minimum: 0.7, Maximum: 1.3, p95: 1.2, p99: 1.25, Sum: 1 }[query.stat];
  let v = value * (percent ? factor : 1);
  if (query.stat === 'Sum') v = value * Math.max(1, query.periodSeconds / 60);
  if (percent) v = Math.min(100, v);
  return Math.round(v * 100) / 100;
}

/** Constant-time comparison, so a guessed secret cannot be found byte by byte. */
function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `AKIA…WXYZ`: enough to tell keys apart, not enough to use. */
const maskKeyId = (accessKeyId: string): string => `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;

const privateDns = (ip: string, region: string): string =>
  `ip-${ip.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;

/** The file `npm start` writes (`.local/sandbox.json`): how to connect each sandbox account. */
export function sandboxKeys(cloud: SandboxCloud): {
  accounts: { awsAccountId: string; region: string; accessKeyId: string; secretAccessKey: string }[];
} {
  return {
    accounts: cloud.accounts.map((a) => ({
      awsAccountId: a.awsAccountId,
      region: a.homeRegion,
      accessKeyId: a.accessKeyId,
      secretAccessKey: a.secretAccessKey,
    })),
  };
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Server-side apply of `applied` over `live`: maps merge key by key, lists and scalars are replaced. */
export function serverSideMerge(
  live: Readonly<Record<string, unknown>>,
  applied: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone({ ...live });
  for (const [k, v] of Object.entries(applied)) {
    const before = out[k];
    out[k] = isMap(before) && isMap(v) ? serverSideMerge(before, v) : structuredClone(v);
  }
  return out;
}
