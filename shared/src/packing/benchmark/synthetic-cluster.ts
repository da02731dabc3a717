/**
 * A deterministic synthetic EKS cluster for the packing benchmark: a realistic mix of pod shapes (web
 * services, JVM services, caches, workers, batch, a few GPU and arm64-pinned workloads), heavy-tailed
 * replica counts, 70% of pods spot-ready, typical daemonset overhead, and the full catalog of one region.
 */
import { type CatalogInstanceType, instanceCategory, loadCatalog } from '../../pricing';
import { instanceTypesFromCatalog } from '../catalog-input';
import type { PackingProblemInput } from '../problem';

/** mulberry32: a small seeded PRNG, so the cluster is the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Archetype {
  readonly name: string;
  readonly cpuMilli: readonly number[];
  /** MiB per vCPU requested. */
  readonly memoryPerCpu: readonly number[];
  readonly weight: number;
  readonly spotReadyShare: number;
  readonly gpu?: boolean;
  readonly arm64Share?: number;
}

const archetypes: readonly Archetype[] = [
  { name: 'web', cpuMilli: [100, 250, 500], memoryPerCpu: [1024, 2048], weight: 30, spotReadyShare: 0.9 },
  {
    name: 'api',
    cpuMilli: [250, 500, 1000],
    memoryPerCpu: [2048, 4096],
    weight: 25,
    spotReadyShare: 0.8,
    arm64Share: 0.2,
  },
  { name: 'jvm', cpuMilli: [500, 1000, 2000], memoryPerCpu: [3072, 4096], weight: 12, spotReadyShare: 0.6 },
  { name: 'cache', cpuMilli: [250, 500, 1000], memoryPerCpu: [8192, 16_384], weight: 6, spotReadyShare: 0.2 },
  {
    name: 'worker',
    cpuMilli: [1000, 2000, 4000],
    memoryPerCpu: [1024, 2048],
    weight: 12,
    spotReadyShare: 0.9,
  },
  { name: 'batch', cpuMilli: [2000, 4000, 8000], memoryPerCpu: [2048, 4096], weight: 5, spotReadyShare: 1 },
  { name: 'sidecarish', cpuMilli: [50, 100], memoryPerCpu: [1024, 2048], weight: 8, spotReadyShare: 0.7 },
  { name: 'stateful', cpuMilli: [500, 1000, 2000], memoryPerCpu: [4096, 8192], weight: 4, spotReadyShare: 0 },
  { name: 'gpu', cpuMilli: [2000, 4000], memoryPerCpu: [4096], weight: 0.6, spotReadyShare: 0.5, gpu: true },
];

export interface SyntheticClusterOptions {
  readonly pods: number;
  readonly seed: number;
  readonly region?: string;
  /** Which instance types the cluster may use (all priced types of the region by default). */
  readonly instanceTypes?: (type: CatalogInstanceType) => boolean;
}

/**
 * What a typical Karpenter NodePool allows: current-generation c/m/r families up to 64 vCPU without
 * bare metal, plus the g4dn/g5/g6 GPU families for GPU pods.
 */
export const typicalNodePool = (type: CatalogInstanceType): boolean =>
  type.currentGeneration &&
  !type.bareMetal &&
  type.vcpu <= 64 &&
  (['c', 'm', 'r'].includes(instanceCategory(type.family)) || ['g4dn', 'g5', 'g6'].includes(type.family));

/** The benchmark cluster: `pods` pods in deployments drawn from the archetypes, same output per seed. */
export function syntheticCluster(options: SyntheticClusterOptions): PackingProblemInput {
  const random = mulberry32(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const totalWeight = archetypes.reduce((s, a) => s + a.weight, 0);
  const pods: PackingProblemInput['pods'] = [];
  let remaining = options.pods;
  let n = 0;
  while (remaining > 0) {
    let r = random() * totalWeight;
    let archetype = archetypes[0] as Archetype;
    for (const candidate of archetypes) {
      archetype = candidate;
      r -= candidate.weight;
      if (r < 0) break;
    }
    const cpuMilli = pick(archetype.cpuMilli);
    const memoryMiB = Math.round(((cpuMilli / 1000) * pick(archetype.memoryPerCpu)) / 64) * 64;
    // Heavy-tailed replica counts: most deployments are small, a few are large.
    const replicas = Math.min(
      remaining,
      Math.max(1, Math.round(2 + 60 * random() ** 3 + (random() < 0.05 ? 300 * random() : 0))),
    );
    const arm64 = archetype.arm64Share !== undefined && random() < archetype.arm64Share;
    pods.push({
      id: `${archetype.name}-${n++}`,
      cpuMilli,
      memoryMiB: Math.max(64, memoryMiB),
      count: replicas,
      spotReady: random() < archetype.spotReadyShare,
      ...(archetype.gpu
        ? {
            resources: { 'nvidia.com/gpu': 1000 },
            tolerations: [
              { key: 'nvidia.com/gpu', operator: 'Exists' as const, effect: 'NoSchedule' as const },
            ],
          }
        : {}),
      ...(arm64 ? { nodeSelector: { 'kubernetes.io/arch': 'arm64' } } : {}),
    });
    remaining -= replicas;
  }
  const catalog = loadCatalog();
  const allowed = options.instanceTypes;
  const instanceTypes = instanceTypesFromCatalog(catalog, {
    region: options.region ?? 'us-east-1',
    gpuTaints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
    ...(allowed ? { filter: { names: catalog.instanceTypes.filter(allowed).map((t) => t.name) } } : {}),
  });
  return {
    pods,
    instanceTypes,
    capacityTypes: ['on-demand', 'spot'],
    // aws-node, kube-proxy, ebs-csi-node, node-exporter, fluent-bit.
    perNodeOverhead: { cpuMilli: 355, memoryMiB: 600, pods: 5 },
  };
}

/** The three zones of the constrained benchmark (most EKS clusters span three). */
export const benchmarkZones = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

/**
 * The benchmark cluster with the scheduling constraints real clusters use, drawn per deployment from a
 * second seeded stream (so the pods themselves are those of `syntheticCluster`): zone spread (30% of
 * deployments with 3+ replicas, maxSkew 1, hard), hostname spread (10%, maxSkew 2, hard; 10% soft),
 * hostname anti-affinity (10% of deployments with at most 5 replicas), required node affinity (25%:
 * generation > 5, category c/m/r, or at most 64 vCPU), preferred node affinity (20%: a zone or spot),
 * and 12 stateful pods marked do-not-disrupt on existing nodes that therefore stay.
 */
export function syntheticConstrainedCluster(options: SyntheticClusterOptions): PackingProblemInput {
  const base = syntheticCluster(options);
  const random = mulberry32(options.seed + 18);
  const pods: PackingProblemInput['pods'] = [];
  const existingNodes: NonNullable<PackingProblemInput['existingNodes']> = [];
  const hostname = 'kubernetes.io/hostname';
  const zone = 'topology.kubernetes.io/zone';
  for (const pod of base.pods) {
    const count = pod.count ?? 1;
    const selector = { matchLabels: { app: pod.id } };
    const shape = random();
    const affinity = random();
    const preference = random();
    const constraints: Partial<PackingProblemInput['pods'][number]> = { labels: { app: pod.id } };
    if (shape < 0.3 && count >= 3)
      constraints.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: zone, labelSelector: selector }];
    else if (shape < 0.4 && count >= 4)
      constraints.topologySpreadConstraints = [
        { maxSkew: 2, topologyKey: hostname, labelSelector: selector },
      ];
    else if (shape < 0.5 && count >= 2)
      constraints.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
      ];
    else if (shape < 0.6 && count <= 5)
      constraints.podAntiAffinity = [{ topologyKey: hostname, labelSelector: selector }];
    const required =
      affinity < 0.1
        ? { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt' as const, values: ['5'] }
        : affinity < 0.2
          ? { key: 'karpenter.k8s.aws/instance-category', operator: 'In' as const, values: ['c', 'm', 'r'] }
          : affinity < 0.25
            ? { key: 'karpenter.k8s.aws/instance-cpu', operator: 'Lt' as const, values: ['65'] }
            : undefined;
    const preferred =
      preference < 0.1
        ? { key: zone, operator: 'In' as const, values: [benchmarkZones[0]] }
        : preference < 0.2
          ? { key: 'karpenter.sh/capacity-type', operator: 'In' as const, values: ['spot'] }
          : undefined;
    if (required || preferred)
      constraints.nodeAffinity = {
        ...(required ? { required: [{ matchExpressions: [required] }] } : {}),
        ...(preferred ? { preferred: [{ weight: 20, preference: { matchExpressions: [preferred] } }] } : {}),
      };
    // A few stateful replicas are do-not-disrupt: their existing nodes stay in the plan.
    if (pod.id.startsWith('stateful') && count >= 2 && existingNodes.length < 12) {
      const name = `existing-${existingNodes.length}`;
      existingNodes.push({
        name,
        instanceType: 'm6i.2xlarge',
        capacityType: 'on-demand',
        zone: benchmarkZones[existingNodes.length % benchmarkZones.length] as string,
      });
      pods.push({
        ...pod,
        ...constraints,
        id: `${pod.id}-pinned`,
        count: 1,
        nodeName: name,
        doNotDisrupt: true,
      });
      pods.push({ ...pod, ...constraints, count: count - 1 });
      continue;
    }
    pods.push({ ...pod, ...constraints });
  }
  return { ...base, pods, zones: [...benchmarkZones], existingNodes };
}
