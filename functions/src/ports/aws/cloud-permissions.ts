import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotPriceHistoryCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { GetProductsCommand } from '@aws-sdk/client-pricing';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { RegionClients } from './cloud-clients';

/**
 * The cheapest call that proves each action is allowed. Actions that need a resource name are called
 * with one that does not exist: a "not found" answer means IAM authorized the call. Write actions are
 * probed without side effects (no size fields, DryRun, a cluster that does not exist).
 */
export interface PermissionProbe {
  call(clients: { regional: RegionClients; pricing: RegionClients }, now: Date): Promise<unknown>;
  /** AWS error codes that can only come back after the call was authorized. */
  authorizedCodes?: readonly string[];
}

/** A name no customer resource has, so probes never touch a real cluster or group. */
export const probeResourceName = 'spot-optimizer-permission-probe-0000';

const tenMinutesMs = 10 * 60_000;

const cpuMetric = { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' };

export const permissionProbes: Readonly<Record<string, PermissionProbe>> = {
  'sts:GetCallerIdentity': { call: ({ regional }) => regional.sts.send(new GetCallerIdentityCommand({})) },
  'ec2:DescribeInstances': {
    call: ({ regional }) => regional.ec2.send(new DescribeInstancesCommand({ MaxResults: 5 })),
  },
  'ec2:DescribeInstanceTypes': {
    call: ({ regional }) => regional.ec2.send(new DescribeInstanceTypesCommand({ MaxResults: 5 })),
  },
  'ec2:DescribeSpotPriceHistory': {
    call: ({ regional }, now) =>
      regional.ec2.send(
        new DescribeSpotPriceHistoryCommand({
          MaxResults: 5,
          StartTime: now,
          ProductDescriptions: ['Linux/UNIX'],
        }),
      ),
  },
  'ec2:DescribeRegions': {
    call: ({ regional }) => regional.ec2.send(new DescribeRegionsCommand({ AllRegions: false })),
  },
  'ec2:DescribeSecurityGroups': {
    call: ({ regional }) => regional.ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 })),
  },
  'ec2:DescribeAvailabilityZones': {
    call: ({ regional }) => regional.ec2.send(new DescribeAvailabilityZonesCommand({})),
  },
  'autoscaling:DescribeAutoScalingGroups': {
    call: ({ regional }) =>
      regional.autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 })),
  },
  'eks:ListClusters': {
    call: ({ regional }) => regional.eks.send(new ListClustersCommand({ maxResults: 1 })),
  },
  'eks:DescribeCluster': {
    call: ({ regional }) => regional.eks.send(new DescribeClusterCommand({ name: probeResourceName })),
    authorizedCodes: ['ResourceNotFoundException'],
  },
  'eks:ListNodegroups': {
    call: ({ regional }) =>
      regional.eks.send(new ListNodegroupsCommand({ clusterName: probeResourceName, maxResults: 1 })),
    authorizedCodes: ['ResourceNotFoundException'],
  },
  'eks:DescribeNodegroup': {
    call: ({ regional }) =>
      regional.eks.send(
        new DescribeNodegroupCommand({ clusterName: probeResourceName, nodegroupName: probeResourceName }),
      ),
    authorizedCodes: ['ResourceNotFoundException'],
  },
  'cloudwatch:GetMetricData': {
    call: ({ regional }, now) =>
      regional.cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - tenMinutesMs),
          EndTime: now,
          MaxDatapoints: 1,
          MetricDataQueries: [
            { Id: 'probe', MetricStat: { Metric: cpuMetric, Period: 300, Stat: 'Average' } },
          ],
        }),
      ),
  },
  'cloudwatch:GetMetricStatistics': {
    call: ({ regional }, now) =>
      regional.cloudWatch.send(
        new GetMetricStatisticsCommand({
          ...cpuMetric,
          StartTime: new Date(now.getTime() - tenMinutesMs),
          EndTime: now,
          Period: 300,
          Statistics: ['Average'],
        }),
      ),
  },
  'cloudwatch:ListMetrics': {
    call: ({ regional }) =>
      regional.cloudWatch.send(new ListMetricsCommand({ ...cpuMetric, RecentlyActive: 'PT3H' })),
  },
  'cloudtrail:LookupEvents': {
    call: ({ regional }) => regional.cloudTrail.send(new LookupEventsCommand({ MaxResults: 1 })),
  },
  'pricing:GetProducts': {
    call: ({ pricing, regional }) =>
      pricing.pricing.send(
        new GetProductsCommand({
          ServiceCode: 'AmazonEC2',
          MaxResults: 1,
          Filters: [
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: regional.region },
            { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'm5.large' },
          ],
        }),
      ),
  },
  'autoscaling:UpdateAutoScalingGroup': {
    // Only the name: even if such a group existed, nothing would change.
    call: ({ regional }) =>
      regional.autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: probeResourceName }),
      ),
    authorizedCodes: ['ValidationError'],
  },
  'autoscaling:DescribeScalingActivities': {
    call: ({ regional }) =>
      regional.autoScaling.send(new DescribeScalingActivitiesCommand({ MaxRecords: 1 })),
  },
  'autoscaling:TerminateInstanceInAutoScalingGroup': {
    // An instance id that cannot exist: allowed callers get a ValidationError, nothing is terminated.
    call: ({ regional }) =>
      regional.autoScaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: 'i-00000000000000000',
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    authorizedCodes: ['ValidationError'],
  },
  'eks:UpdateNodegroupConfig': {
    call: ({ regional }) =>
      regional.eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: probeResourceName,
          nodegroupName: probeResourceName,
        }),
      ),
    authorizedCodes: ['ResourceNotFoundException', 'InvalidParameterException'],
  },
  'ec2:CreateTags': {
    call: ({ regional }) =>
      regional.ec2.send(
        new CreateTagsCommand({
          DryRun: true,
          Resources: ['i-00000000000000000'],
          Tags: [{ Key: 'spot-optimizer:permission-probe', Value: 'true' }],
        }),
      ),
    authorizedCodes: ['DryRunOperation', 'InvalidInstanceID.NotFound'],
  },
};
