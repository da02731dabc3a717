/**
 * The customer's cloud as the product sees it. The AWS adapter (`./aws/cloud.ts`) calls the AWS SDK v3
 * with credentials from STS (role + External ID) or stored access keys; the sandbox cloud of the local
 * stack (`local/src/sandbox/`) implements the same interface over simulated accounts. Domain code and
 * workflows see only this port.
 */

export type CloudCredentials =
  | { kind: 'role'; roleArn: string; externalId: string }
  | { kind: 'access-key'; accessKeyId: string; secretAccessKey: string };

/** Where a call goes: whose credentials and which region. */
export interface CloudTarget {
  credentials: CloudCredentials;
  region: string;
}

export type CapacityType = 'on-demand' | 'spot';

export interface Ec2Instance {
  instanceId: string;
  instanceType: string;
  capacityType: CapacityType;
  availabilityZone: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  launchTime: string;
  privateDnsName: string | null;
  tags: Record<string, string>;
  /** From tags: `eks:cluster-name` / `kubernetes.io/cluster/<name>`, `aws:autoscaling:groupName`, `eks:nodegroup-name`. */
  clusterName: string | null;
  autoScalingGroupName: string | null;
  nodegroupName: string | null;
  architecture: string | null;
}

export interface AutoScalingGroup {
  name: string;
  minSize: number;
  desiredCapacity: number;
  maxSize: number;
  instanceIds: string[];
  instanceTypes: string[];
  /** Share of on-demand above base in a mixed-instances policy (100 = all on-demand). */
  onDemandPercentageAboveBase: number | null;
  /** On-demand instances before the percentage applies (mixed instances policy); absent where unknown. */
  onDemandBaseCapacity?: number | null;
  tags: Record<string, string>;
}

/** One scaling activity of an Auto Scaling group (DescribeScalingActivities). */
export interface ScalingActivity {
  activityId: string;
  /** AWS's status code: `Successful`, `Failed`, `Cancelled`, `InProgress`, ... */
  statusCode: string;
  /** Why it failed, as AWS words it (e.g. `... InsufficientInstanceCapacity ...`); null when none. */
  statusMessage: string | null;
  description: string | null;
  startTime: string;
}

/** What setting a group's on-demand distribution did, or why nothing was done. */
export type DistributionUpdate =
  | { outcome: 'updated' }
  | { outcome: 'skipped'; reason: 'access-denied' | 'not-found'; message: string };

export interface EksCluster {
  name: string;
  arn: string;
  kubernetesVersion: string;
  status: string;
  endpoint: string | null;
  /** DescribeCluster `resourcesVpcConfig` (CIS 5.4.2); absent from sources that do not read it. */
  endpointAccess?: EndpointAccess | null;
  createdAt: string;
  tags: Record<string, string>;
}

/** Who can reach the cluster's Kubernetes API endpoint. */
export interface EndpointAccess {
  publicAccess: boolean;
  privateAccess: boolean;
  /** CIDRs allowed to reach the public endpoint (`0.0.0.0/0` = anyone). */
  publicAccessCidrs: string[];
}

export interface EksNodegroup {
  clusterName: string;
  name: string;
  capacityType: CapacityType;
  instanceTypes: string[];
  minSize: number;
  desiredSize: number;
  maxSize: number;
  autoScalingGroupNames: string[];
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  status: string;
  /** The node group's AWS tags (hibernation's excluded tags); absent from sources that do not read them. */
  tags?: Record<string, string>;
}

export interface InstanceTypeInfo {
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
  architectures: string[];
  gpus: number;
  burstable: boolean;
}

export interface SpotPricePoint {
  instanceType: string;
  availabilityZone: string;
  priceUsdPerHour: number;
  timestamp: string;
}

export interface MetricQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'p95' | 'p99';
  periodSeconds: number;
}

export interface MetricSeries {
  id: string;
  points: { timestamp: string; value: number }[];
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  vpcId: string | null;
  description: string;
}

export interface PermissionCheck {
  action: string;
  allowed: boolean;
  /** Why not, in words a person can act on (the AWS error code and message, no credentials). */
  reason?: string;
}

export interface RegionResult<T> {
  region: string;
  ok: boolean;
  value?: T;
  /** A failure in one region is reported, not fatal. */
  error?: { code: string; message: string };
}

/**
 * What terminating one instance of an Auto Scaling group did: the activity started, or why nothing was
 * done (the role lacks the permission, the group is at its minimum, the instance is no longer in it).
 */
export type InstanceTermination =
  | { outcome: 'terminating'; activityId: string | null; description: string | null }
  | { outcome: 'skipped'; reason: 'access-denied' | 'group-minimum' | 'not-in-group'; message: string };

/**
 * Who launched one instance: the principal of its `RunInstances` event in CloudTrail's event history
 * (90 days), as AWS records it (a user or assumed-role ARN, unmasked: the domain masks it), or why that
 * is not known. A lookup that cannot be made never fails the caller: it is `unknown` with the reason.
 */
export type InstanceLaunchLookup =
  | { outcome: 'found'; principal: string; eventTime: string }
  | { outcome: 'not-found' }
  | {
      outcome: 'unknown';
      reason: 'access-denied' | 'throttled' | 'not-looked-up';
      message: string;
    };

/** At most this many instances are looked up per call: CloudTrail answers ~2 LookupEvents per second. */
export const maxInstanceLaunchLookups = 20;

export interface CustomerCloudPort {
  /** STS: assume the role with its External ID (or use the keys) and return who we are. */
  identify(target: CloudTarget): Promise<{ awsAccountId: string; arn: string }>;
  /** Tries each read action cheaply and reports which are allowed. */
  checkPermissions(target: CloudTarget, actions: readonly string[]): Promise<PermissionCheck[]>;
  /** Regions enabled for the account (opted-in or default). */
  listRegions(target: CloudTarget): Promise<string[]>;
  describeInstances(target: CloudTarget): Promise<Ec2Instance[]>;
  describeAutoScalingGroups(target: CloudTarget): Promise<AutoScalingGroup[]>;
  listEksClusters(target: CloudTarget): Promise<EksCluster[]>;
  listNodegroups(target: CloudTarget, clusterName: string): Promise<EksNodegroup[]>;
  describeInstanceTypes(target: CloudTarget, instanceTypes: readonly string[]): Promise<InstanceTypeInfo[]>;
  spotPriceHistory(
    target: CloudTarget,
    instanceTypes: readonly string[],
    since: Date,
  ): Promise<SpotPricePoint[]>;
  /** On-demand Linux USD/h per instance type in the target region (Pricing API); absent = unknown. */
  onDemandPrices(target: CloudTarget, instanceTypes: readonly string[]): Promise<Record<string, number>>;
  getMetricData(
    target: CloudTarget,
    queries: readonly MetricQuery[],
    from: Date,
    to: Date,
  ): Promise<MetricSeries[]>;
  describeSecurityGroups(target: CloudTarget): Promise<SecurityGroup[]>;
  /**
   * CloudTrail `LookupEvents` (one ResourceName attribute per call): who launched each instance and when,
   * keyed by instance id. The first {@link maxInstanceLaunchLookups} ids are looked up, one call at a
   * time; the rest, and all after a denial or throttling, are `unknown`.
   */
  lookupInstanceLaunches(
    target: CloudTarget,
    instanceIds: readonly string[],
  ): Promise<Record<string, InstanceLaunchLookup>>;
  /**
   * Writes one object to a bucket of the customer's account (audit records streamed to S3): allowed by
   * the bucket's policy naming the onboarding role, which the customer adds for an S3 audit destination.
   */
  putObject(
    target: CloudTarget,
    object: { bucket: string; key: string; body: string; contentType: string },
  ): Promise<void>;
  /** Write actions (hibernation, consolidation): need the optional write policy of the onboarding template. */
  updateAutoScalingGroup(
    target: CloudTarget,
    update: { name: string; minSize: number; desiredCapacity: number; maxSize: number },
  ): Promise<void>;
  /**
   * Consolidation: terminate one (drained) instance of its Auto Scaling group (self-managed, or the one
   * behind a managed node group), decrementing the desired capacity so no replacement is launched.
   */
  terminateInstanceInAutoScalingGroup(
    target: CloudTarget,
    request: { instanceId: string; decrementDesiredCapacity: boolean },
  ): Promise<InstanceTermination>;
  /** The group's scaling activities started since `since`, newest first (spot fallback, ADR 0046). */
  describeScalingActivities(target: CloudTarget, groupName: string, since: Date): Promise<ScalingActivity[]>;
  /**
   * Spot fallback (ADR 0046): sets the on-demand base and percentage of the group's mixed instances
   * policy (UpdateAutoScalingGroup), leaving its sizes, types and spot strategy as they are. A role
   * without the write option is skipped with the permission named.
   */
  updateOnDemandDistribution(
    target: CloudTarget,
    update: { name: string; onDemandBaseCapacity: number; onDemandPercentageAboveBase: number },
  ): Promise<DistributionUpdate>;
  updateNodegroupScaling(
    target: CloudTarget,
    update: {
      clusterName: string;
      nodegroupName: string;
      minSize: number;
      desiredSize: number;
      maxSize: number;
    },
  ): Promise<void>;
}
