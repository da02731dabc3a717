/**
 * Instance types for the packer from the catalog: EKS allocatable capacity, prices from a price source
 * (catalog, live, or both layered), well-known Karpenter labels. Types without a known on-demand price in
 * the region are left out: the packer never guesses a price.
 */
import {
  type Catalog,
  type EksAllocatableOptions,
  eksAllocatable,
  filterInstanceTypes,
  type InstanceTypeFilter,
  instanceCategory,
  kubernetesArchitecture,
  type PriceSource,
} from '../pricing';
import type { InstanceTypeSpec, Taint } from './problem';

export interface CatalogInstanceTypesOptions extends EksAllocatableOptions {
  readonly region: string;
  readonly filter?: InstanceTypeFilter;
  /** Defaults to the catalog itself (on-demand table, spot estimated from the advisor). */
  readonly prices?: PriceSource;
  /** Taints put on GPU nodes (e.g. `nvidia.com/gpu=true:NoSchedule`, as EKS GPU node groups often do). */
  readonly gpuTaints?: readonly Taint[];
}

/** Karpenter's instance generation: the number in the family name (`m6i` -> 6, `c5a` -> 5). */
export function generation(family: string): number | undefined {
  const match = /^[a-z]+(\d+)/.exec(family);
  return match ? Number(match[1]) : undefined;
}

/** `InstanceTypeSpec`s for every catalog type that passes the filter and has an on-demand price. */
export function instanceTypesFromCatalog(
  catalog: Catalog,
  options: CatalogInstanceTypesOptions,
): InstanceTypeSpec[] {
  const prices = options.prices ?? catalog;
  const specs: InstanceTypeSpec[] = [];
  for (const type of filterInstanceTypes(catalog.instanceTypes, options.filter ?? {})) {
    const onDemand = prices.onDemandHourlyUsd(type.name, options.region);
    if (!onDemand) continue;
    const spot = type.spotSupported ? prices.spotHourlyUsd(type.name, options.region) : undefined;
    const allocatable = eksAllocatable(type, options);
    if (allocatable.cpuMilli <= 0 || allocatable.memoryMiB <= 0) continue;
    const architecture = type.architectures.includes('x86_64') ? 'x86_64' : (type.architectures[0] ?? '');
    specs.push({
      name: type.name,
      cpuMilli: allocatable.cpuMilli,
      memoryMiB: allocatable.memoryMiB,
      maxPods: allocatable.pods,
      onDemandHourlyUsd: onDemand.hourlyUsd,
      ...(spot ? { spotHourlyUsd: spot.hourlyUsd } : {}),
      resources: allocatable.resources,
      labels: {
        'kubernetes.io/arch': kubernetesArchitecture(architecture),
        'karpenter.k8s.aws/instance-family': type.family,
        'karpenter.k8s.aws/instance-category': instanceCategory(type.family),
        'karpenter.k8s.aws/instance-size': type.size,
        // Integers, for Gt / Lt node affinity (Karpenter's well-known labels).
        'karpenter.k8s.aws/instance-cpu': String(type.vcpu),
        'karpenter.k8s.aws/instance-memory': String(type.memoryMiB),
        ...(generation(type.family) !== undefined
          ? { 'karpenter.k8s.aws/instance-generation': String(generation(type.family)) }
          : {}),
        ...(type.gpu ? { 'karpenter.k8s.aws/instance-gpu-count': String(type.gpu.count) } : {}),
      },
      ...(type.gpu && options.gpuTaints?.length ? { taints: [...options.gpuTaints] } : {}),
    });
  }
  return specs;
}
