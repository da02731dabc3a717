/**
 * Node allocatable estimates as the EKS optimized AMIs configure the kubelet (amazon-eks-ami
 * `templates/al2/runtime/bootstrap.sh`, `get_cpu_millicores_to_reserve` / `get_memory_mebibytes_to_reserve`,
 * and nodeadm's equivalent for AL2023):
 *
 *   allocatable = capacity - kubeReserved - evictionHard
 *
 * The kernel and hypervisor also keep part of the EC2 memory from the kubelet's `capacity`; Karpenter
 * models that as `vmMemoryOverheadPercent` (default 7.5%). It is an option here (default 0, i.e. EC2's
 * memory is the capacity), so callers choose how conservative to be.
 */
import type { CatalogInstanceType } from './catalog-types';

/** `evictionHard.memory.available` set by the EKS AMIs, MiB. */
export const EKS_EVICTION_HARD_MEMORY_MIB = 100;

/** Percent (x100, as in bootstrap.sh) of each CPU range the EKS AMIs reserve: 6%, 1%, 0.5%, 0.25%. */
const CPU_RANGES_MILLI = [0, 1000, 2000, 4000] as const;
const CPU_RESERVED_BASIS_POINTS = [600, 100, 50, 25] as const;

/**
 * kubeReserved CPU in millicores: 6% of the first core, 1% of the second, 0.5% of cores 3-4 and 0.25%
 * of every core above 4, each range rounded down like bootstrap.sh's integer arithmetic.
 * Example: 2 vCPU -> 60 + 10 = 70 m; 96 vCPU -> 60 + 10 + 10 + 230 = 310 m.
 */
export function eksReservedCpuMilli(vcpu: number): number {
  const totalMilli = vcpu * 1000;
  let reserved = 0;
  for (let i = 0; i < CPU_RANGES_MILLI.length; i++) {
    const start = CPU_RANGES_MILLI[i] ?? 0;
    const end = CPU_RANGES_MILLI[i + 1] ?? totalMilli;
    if (totalMilli > start)
      reserved += Math.floor(
        ((Math.min(totalMilli, end) - start) * (CPU_RESERVED_BASIS_POINTS[i] ?? 0)) / 10_000,
      );
  }
  return reserved;
}

/** kubeReserved memory in MiB: `255 + 11 x maxPods` (pod density drives the kubelet's own memory). */
export const eksReservedMemoryMiB = (maxPods: number): number => 255 + 11 * maxPods;

export interface EksAllocatable {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  /** Pod slots (kubelet `maxPods`). */
  readonly pods: number;
  /**
   * Extended resources in milli-units (1 GPU = 1000): `nvidia.com/gpu`, `amd.com/gpu`,
   * `aws.amazon.com/neuron` (Inferentia/Trainium devices).
   */
  readonly resources: Readonly<Record<string, number>>;
}

export interface EksAllocatableOptions {
  /** Overrides the catalog's max pods (e.g. prefix delegation, or a NodePool's `kubelet.maxPods`). */
  readonly maxPods?: number;
  /** Share of EC2 memory invisible to the kubelet, in percent (Karpenter's default is 7.5). */
  readonly vmMemoryOverheadPercent?: number;
}

/** Extended resources an instance type offers, in milli-units (1 device = 1000). */
export function extendedResourcesMilli(type: CatalogInstanceType): Record<string, number> {
  const resources: Record<string, number> = {};
  if (type.gpu) {
    const key = type.gpu.model.startsWith('AMD') ? 'amd.com/gpu' : 'nvidia.com/gpu';
    resources[key] = type.gpu.count * 1000;
  }
  if (type.accelerator && /Inferentia|Trainium/.test(type.accelerator.model))
    resources['aws.amazon.com/neuron'] = type.accelerator.count * 1000;
  return resources;
}

/**
 * Allocatable capacity of a node of this type on an EKS AMI:
 * - cpuMilli = vcpu x 1000 - eksReservedCpuMilli(vcpu)
 * - memoryMiB = floor(memoryMiB x (1 - vmMemoryOverheadPercent / 100)) - (255 + 11 x maxPods) - 100
 * - pods = maxPods
 * Never negative.
 */
export function eksAllocatable(
  type: CatalogInstanceType,
  options: EksAllocatableOptions = {},
): EksAllocatable {
  const maxPods = options.maxPods ?? type.maxPods;
  const capacityMiB = Math.floor(type.memoryMiB * (1 - (options.vmMemoryOverheadPercent ?? 0) / 100));
  return {
    cpuMilli: Math.max(0, type.vcpu * 1000 - eksReservedCpuMilli(type.vcpu)),
    memoryMiB: Math.max(0, capacityMiB - eksReservedMemoryMiB(maxPods) - EKS_EVICTION_HARD_MEMORY_MIB),
    pods: maxPods,
    resources: extendedResourcesMilli(type),
  };
}
