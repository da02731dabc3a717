import type { AutoScalingGroup as AsgDescription } from '@aws-sdk/client-auto-scaling';
import type {
  SecurityGroup as Ec2SecurityGroup,
  InstanceTypeInfo as Ec2TypeInfo,
  Instance,
  SpotPrice,
} from '@aws-sdk/client-ec2';
import type { Cluster, Nodegroup } from '@aws-sdk/client-eks';
import { z } from 'zod';
import type {
  AutoScalingGroup,
  Ec2Instance,
  EksCluster,
  EksNodegroup,
  InstanceTypeInfo,
  SecurityGroup,
  SpotPricePoint,
} from '../cloud';

/** Pure translations from AWS SDK shapes to the port's types. */

export function tagsToRecord(tags: readonly { Key?: string; Value?: string }[] | undefined) {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  }
  return record;
}

const clusterTagPrefix = 'kubernetes.io/cluster/';

/** The EKS cluster an instance belongs to, from the tags EKS, eksctl and Karpenter put on nodes. */
export function clusterNameFromTags(tags: Record<string, string>): string | null {
  const direct = tags['eks:cluster-name'] ?? tags['aws:eks:cluster-name'];
  if (direct) return direct;
  const clusterTag = Object.keys(tags).find((key) => key.startsWith(clusterTagPrefix));
  return clusterTag ? clusterTag.slice(clusterTagPrefix.length) || null : null;
}

const instanceStates = new Set<Ec2Instance['state']>([
  'pending',
  'running',
  'stopping',
  'stopped',
  'shutting-down',
  'terminated',
]);

const isInstanceState = (value: string | undefined): value is Ec2Instance['state'] =>
  value !== undefined && instanceStates.has(value as Ec2Instance['state']);

export function toEc2Instance(instance: Instance): Ec2Instance | null {
  if (!instance.InstanceId || !instance.InstanceType) return null;
  const tags = tagsToRecord(instance.Tags);
  const state = instance.State?.Name;
  return {
    instanceId: instance.InstanceId,
    instanceType: instance.InstanceType,
    capacityType: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    state: isInstanceState(state) ? state : 'pending',
    launchTime: instance.LaunchTime?.toISOString() ?? '',
    privateDnsName: instance.PrivateDnsName || null,
    tags,
    clusterName: clusterNameFromTags(tags),
    autoScalingGroupName: tags['aws:autoscaling:groupName'] ?? null,
    nodegroupName: tags['eks:nodegroup-name'] ?? null,
    architecture: instance.Architecture ?? null,
  };
}

/**
 * Instance types of a group: the launch template overrides of a mixed-instances policy, then the types
 * of its running instances (which is all there is for a single launch template or launch configuration,
 * or for attribute-based overrides).
 */
export function toAutoScalingGroup(group: AsgDescription): AutoScalingGroup | null {
  if (!group.AutoScalingGroupName) return null;
  const mixed = group.MixedInstancesPolicy;
  const overrideTypes = (mixed?.LaunchTemplate?.Overrides ?? []).flatMap((override) =>
    override.InstanceType ? [override.InstanceType] : [],
  );
  const runningTypes = (group.Instances ?? []).flatMap((instance) =>
    instance.InstanceType ? [instance.InstanceType] : [],
  );
  return {
    name: group.AutoScalingGroupName,
    minSize: group.MinSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    maxSize: group.MaxSize ?? 0,
    instanceIds: (group.Instances ?? []).flatMap((instance) =>
      instance.InstanceId ? [instance.InstanceId] : [],
    ),
    instanceTypes: [...new Set([...overrideTypes, ...runningTypes])],
    // AWS's default for a mixed-instances policy without a distribution is 100 (all on-demand).
    onDemandPercentageAboveBase: mixed
      ? (mixed.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity ?? 100)
      : null,
    onDemandBaseCapacity: mixed ? (mixed.InstancesDistribution?.OnDemandBaseCapacity ?? 0) : null,
    tags: tagsToRecord(group.Tags),
  };
}

export function toEksCluster(cluster: Cluster): EksCluster | null {
  if (!cluster.name) return null;
  return {
    name: cluster.name,
    arn: cluster.arn ?? '',
    kubernetesVersion: cluster.version ?? '',
    status: cluster.status ?? 'UNKNOWN',
    endpoint: cluster.endpoint ?? null,
    endpointAccess: cluster.resourcesVpcConfig
      ? {
          publicAccess: cluster.resourcesVpcConfig.endpointPublicAccess ?? true,
          privateAccess: cluster.resourcesVpcConfig.endpointPrivateAccess ?? false,
          publicAccessCidrs: [...(cluster.resourcesVpcConfig.publicAccessCidrs ?? [])],
        }
      : null,
    createdAt: cluster.createdAt?.toISOString() ?? '',
    tags: { ...(cluster.tags ?? {}) },
  };
}

/** EKS spells taint effects `NO_SCHEDULE`; Kubernetes (and the cluster snapshot) spells them `NoSchedule`. */
const taintEffects: Record<string, string> = {
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
};

export function toEksNodegroup(clusterName: string, nodegroup: Nodegroup): EksNodegroup | null {
  if (!nodegroup.nodegroupName) return null;
  return {
    clusterName,
    name: nodegroup.nodegroupName,
    capacityType: nodegroup.capacityType === 'SPOT' ? 'spot' : 'on-demand',
    instanceTypes: nodegroup.instanceTypes ?? [],
    minSize: nodegroup.scalingConfig?.minSize ?? 0,
    desiredSize: nodegroup.scalingConfig?.desiredSize ?? 0,
    maxSize: nodegroup.scalingConfig?.maxSize ?? 0,
    autoScalingGroupNames: (nodegroup.resources?.autoScalingGroups ?? []).flatMap((group) =>
      group.name ? [group.name] : [],
    ),
    labels: { ...(nodegroup.labels ?? {}) },
    taints: (nodegroup.taints ?? []).flatMap((taint) =>
      taint.key && taint.effect
        ? [
            {
              key: taint.key,
              ...(taint.value !== undefined ? { value: taint.value } : {}),
              effect: taintEffects[taint.effect] ?? taint.effect,
            },
          ]
        : [],
    ),
    status: nodegroup.status ?? 'UNKNOWN',
    tags: { ...(nodegroup.tags ?? {}) },
  };
}

export function toInstanceTypeInfo(info: Ec2TypeInfo): InstanceTypeInfo | null {
  if (!info.InstanceType) return null;
  return {
    instanceType: info.InstanceType,
    vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    memoryMiB: info.MemoryInfo?.SizeInMiB ?? 0,
    architectures: info.ProcessorInfo?.SupportedArchitectures ?? [],
    gpus: (info.GpuInfo?.Gpus ?? []).reduce((total, gpu) => total + (gpu.Count ?? 0), 0),
    burstable: info.BurstablePerformanceSupported ?? false,
  };
}

export function toSpotPricePoint(price: SpotPrice): SpotPricePoint | null {
  const priceUsdPerHour = Number(price.SpotPrice);
  if (
    !price.InstanceType ||
    !price.AvailabilityZone ||
    !price.Timestamp ||
    !Number.isFinite(priceUsdPerHour)
  ) {
    return null;
  }
  return {
    instanceType: price.InstanceType,
    availabilityZone: price.AvailabilityZone,
    priceUsdPerHour,
    timestamp: price.Timestamp.toISOString(),
  };
}

export function toSecurityGroup(group: Ec2SecurityGroup): SecurityGroup | null {
  if (!group.GroupId) return null;
  return {
    groupId: group.GroupId,
    groupName: group.GroupName ?? '',
    vpcId: group.VpcId ?? null,
    description: group.Description ?? '',
  };
}

/** One product of the Pricing API's `PriceList`: only the parts the on-demand price is read from. */
const priceListProductSchema = z.object({
  product: z.object({ attributes: z.object({ instanceType: z.string() }) }),
  terms: z
    .object({
      OnDemand: z
        .record(
          z.string(),
          z.object({
            priceDimensions: z.record(
              z.string(),
              z.object({
                unit: z.string().optional(),
                pricePerUnit: z.object({ USD: z.string().optional() }),
              }),
            ),
          }),
        )
        .optional(),
    })
    .optional(),
});

/**
 * The on-demand USD/h of one `PriceList` entry (a JSON string): the first hourly price dimension with a
 * positive USD price. Null when the entry is not an on-demand hourly price.
 */
export function parseOnDemandPrice(entry: unknown): { instanceType: string; priceUsdPerHour: number } | null {
  let json: unknown = entry;
  if (typeof entry === 'string' || entry instanceof String) {
    try {
      json = JSON.parse(String(entry));
    } catch {
      return null;
    }
  }
  const parsed = priceListProductSchema.safeParse(json);
  if (!parsed.success) return null;
  for (const term of Object.values(parsed.data.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions)) {
      const priceUsdPerHour = Number(dimension.pricePerUnit.USD);
      if ((dimension.unit ?? 'Hrs') === 'Hrs' && Number.isFinite(priceUsdPerHour) && priceUsdPerHour > 0) {
        return { instanceType: parsed.data.product.attributes.instanceType, priceUsdPerHour };
      }
    }
  }
  return null;
}
