/**
 * What the product may do in a customer's AWS account, one line of reason per action. The customer
 * onboarding template (`cfn-templates/spot-optimizer-onboarding.template.json`, generated from
 * `infra/src/customer/onboarding-stack.ts`) grants exactly these actions, and the onboarding screen can
 * show the same list, so a security officer reads one list in both places.
 */
export interface CustomerPermission {
  /** IAM action, `service:Action`. No wildcards: every action is named. */
  readonly action: string;
  /** One line a security reviewer can check against the product's behaviour. */
  readonly why: string;
  /**
   * Granted by the template but not required to connect: a feature degrades without it (and says so).
   * Added to the template after customers connected, such an action must not make their next Verify fail.
   */
  readonly optional?: boolean;
}

/** Read-only actions: discovery, pricing and utilization. Always granted. */
export const customerReadActions: readonly CustomerPermission[] = [
  { action: 'sts:GetCallerIdentity', why: 'verify the connection and read the account id behind the role' },
  { action: 'ec2:DescribeInstances', why: 'list instances and their lifecycle (on-demand or spot)' },
  { action: 'ec2:DescribeInstanceTypes', why: 'read vCPU, memory and architecture of the types in use' },
  { action: 'ec2:DescribeSpotPriceHistory', why: 'price spot capacity at the current market rate' },
  { action: 'ec2:DescribeRegions', why: 'find the regions enabled in the account to scan' },
  { action: 'ec2:DescribeSecurityGroups', why: 'show the network context of nodes in the inventory' },
  { action: 'ec2:DescribeAvailabilityZones', why: 'map spot prices and capacity to availability zones' },
  { action: 'autoscaling:DescribeAutoScalingGroups', why: 'read group sizes before planning scale changes' },
  { action: 'eks:ListClusters', why: 'find the EKS clusters in each region' },
  { action: 'eks:DescribeCluster', why: 'read cluster version, endpoint and status' },
  { action: 'eks:ListNodegroups', why: 'find the managed node groups of each cluster' },
  {
    action: 'eks:DescribeNodegroup',
    why: 'read node group scaling config, instance types and capacity type',
  },
  {
    action: 'cloudwatch:GetMetricData',
    why: 'read CPU and memory utilization for efficiency and rightsizing',
  },
  {
    action: 'cloudwatch:GetMetricStatistics',
    why: 'read per-instance utilization where metric math is not needed',
  },
  {
    action: 'cloudtrail:LookupEvents',
    why: 'name who launched an instance the node template forbids (its RunInstances event, on the Compliance & Drift tab)',
    // Without it the tab says "unknown (cloudtrail:LookupEvents not allowed)"; stacks from before it
    // still connect.
    optional: true,
  },
  { action: 'cloudwatch:ListMetrics', why: 'find which utilization metrics exist before reading them' },
  {
    action: 'pricing:GetProducts',
    why: 'read on-demand prices for regions the bundled catalog does not cover',
  },
];

/** Actions that change capacity; granted only when the customer opts in (`EnableWriteActions`). */
export const customerWriteActions: readonly CustomerPermission[] = [
  {
    action: 'autoscaling:UpdateAutoScalingGroup',
    why: 'hibernate and wake groups by setting min/desired/max; lower a minimum when the policy allows node group takeover',
  },
  {
    action: 'eks:UpdateNodegroupConfig',
    why: 'hibernate and wake managed node groups (min 0 / desired 0); lower a minimum when the policy allows node group takeover',
  },
  { action: 'ec2:CreateTags', why: 'record the sizes to restore on the resources the product changed' },
  {
    action: 'autoscaling:TerminateInstanceInAutoScalingGroup',
    why: 'remove a node consolidation drained, lowering the desired capacity so the group does not replace it',
  },
  {
    action: 'autoscaling:DescribeScalingActivities',
    why: 'see spot launches failing for lack of capacity, to fall back to on-demand and back (ADR 0046)',
  },
];

/**
 * Every customer role name starts with this prefix: the platform's functions may assume only
 * `arn:aws:iam::*:role/SpotOptimizer*`, so a role without it cannot be used even by mistake.
 */
export const customerRoleNamePrefix = 'SpotOptimizer';

/** Name prefix of the role the onboarding template creates; see {@link customerRoleName}. */
export const customerReadOnlyRoleNamePrefix = `${customerRoleNamePrefix}ReadOnly-`;

/**
 * The role name the onboarding template creates for a connection: the prefix plus the first group of
 * the connection's External ID (a UUID), e.g. `SpotOptimizerReadOnly-3f2b9c1e`. Stable for a
 * connection, distinct between connections (two platforms or stages can connect the same account), and
 * computable by the platform, so the user never has to copy the role ARN back. External IDs are
 * lowercase UUIDs (the template's pattern enforces it), so the name needs no case folding.
 */
export function customerRoleName(externalId: string): string {
  const firstGroup = externalId.split('-')[0] ?? '';
  return `${customerReadOnlyRoleNamePrefix}${firstGroup}`;
}
