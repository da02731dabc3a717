/**
 * The packer's input and output documents (`npm run -s pack -- FILE`, docs/packing.md). Parsed with zod
 * at the boundary; everything inside works on the parsed types.
 *
 * Units: CPU in millicores, memory in MiB, extended resources in milli-units (1 GPU = 1000), prices in
 * USD per hour. Instance type cpu/memory/maxPods/resources are allocatable amounts BEFORE the per-node
 * overhead (daemonsets), which the packer subtracts.
 */
import { z } from 'zod';
import { InvalidPackingProblemError } from './errors';
import { labelSelectorOperators, nodeSelectorOperators } from './selectors';

export const capacityTypes = ['on-demand', 'spot'] as const;
export type PackingCapacityType = (typeof capacityTypes)[number];

const quantity = z.number().int().nonnegative();
const resourcesSchema = z.record(z.string().min(1), quantity);
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export const taintSchema = z.object({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: z.enum(taintEffects),
});
export type Taint = z.infer<typeof taintSchema>;

export const tolerationSchema = z.object({
  /** Empty key with operator Exists tolerates every taint. */
  key: z.string().optional(),
  operator: z.enum(['Equal', 'Exists']).optional(),
  value: z.string().optional(),
  /** Empty effect matches every effect. */
  effect: z.enum(taintEffects).optional(),
});
export type Toleration = z.infer<typeof tolerationSchema>;

/** Well-known topology keys: one node, one availability zone. */
export const TOPOLOGY_HOSTNAME = 'kubernetes.io/hostname';
export const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
const topologyKeySchema = z.enum([TOPOLOGY_HOSTNAME, TOPOLOGY_ZONE]);

export const nodeSelectorRequirementSchema = z
  .object({
    key: z.string().min(1),
    operator: z.enum(nodeSelectorOperators),
    values: z.array(z.string()).optional(),
  })
  .superRefine((r, ctx) => {
    const n = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} needs at least one value.` });
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} takes no values.` });
    if ((r.operator === 'Gt' || r.operator === 'Lt') && (n !== 1 || !/^[-+]?\d+$/.test(r.values?.[0] ?? '')))
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `${r.operator} takes exactly one integer value.`,
      });
  });
export const nodeSelectorTermSchema = z.object({
  matchExpressions: z.array(nodeSelectorRequirementSchema).min(1, 'A term needs at least one requirement.'),
});

export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.object({
        key: z.string().min(1),
        operator: z.enum(labelSelectorOperators),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelectorSpec = z.infer<typeof labelSelectorSchema>;

export const nodeAffinitySchema = z.object({
  /** requiredDuringSchedulingIgnoredDuringExecution: the node matches at least one term. */
  required: z.array(nodeSelectorTermSchema).optional(),
  /** preferredDuringSchedulingIgnoredDuringExecution: honoured when it costs nothing. */
  preferred: z
    .array(z.object({ weight: z.number().int().min(1).max(100), preference: nodeSelectorTermSchema }))
    .optional(),
});
export type NodeAffinitySpec = z.infer<typeof nodeAffinitySchema>;

/** Required pod anti-affinity: at most one pod matching the selector per node (hostname) or per zone. */
export const podAntiAffinityTermSchema = z.object({
  topologyKey: topologyKeySchema,
  labelSelector: labelSelectorSchema,
});
export type PodAntiAffinityTerm = z.infer<typeof podAntiAffinityTermSchema>;

export const topologySpreadConstraintSchema = z.object({
  maxSkew: z.number().int().positive(),
  topologyKey: topologyKeySchema,
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).default('DoNotSchedule'),
  labelSelector: labelSelectorSchema,
});
export type TopologySpreadConstraint = z.infer<typeof topologySpreadConstraintSchema>;

export const podSpecSchema = z.object({
  id: z.string().min(1),
  cpuMilli: quantity,
  memoryMiB: quantity,
  /** Identical copies, named `id#0` ... `id#(count-1)` in the plan. */
  count: z.number().int().positive().default(1),
  /** May run on spot capacity (replicated, no PVC, disruption allowed: see docs/product.md). */
  spotReady: z.boolean().default(false),
  resources: resourcesSchema.optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(tolerationSchema).optional(),
  /** The pod's own labels, for anti-affinity and topology spread selectors. */
  labels: z.record(z.string(), z.string()).optional(),
  nodeAffinity: nodeAffinitySchema.optional(),
  podAntiAffinity: z.array(podAntiAffinityTermSchema).optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraintSchema).optional(),
  /** The existing node the pod runs on (one of `existingNodes`); other names are ignored. */
  nodeName: z.string().min(1).optional(),
  /** `karpenter.sh/do-not-disrupt`: the pod stays on `nodeName`, so that node stays too. */
  doNotDisrupt: z.boolean().default(false),
});
export type PodSpec = z.infer<typeof podSpecSchema>;

export const instanceTypeSpecSchema = z.object({
  name: z.string().min(1),
  cpuMilli: quantity,
  memoryMiB: quantity,
  maxPods: z.number().int().positive(),
  onDemandHourlyUsd: z.number().positive().finite(),
  spotHourlyUsd: z.number().positive().finite().optional(),
  /** Spot price per zone where known; zones not listed use `spotHourlyUsd`. */
  spotHourlyUsdByZone: z.record(z.string(), z.number().positive().finite()).optional(),
  resources: resourcesSchema.optional(),
  /** Node labels besides the well-known ones the packer adds (instance type, capacity type). */
  labels: z.record(z.string(), z.string()).optional(),
  taints: z.array(taintSchema).optional(),
});
export type InstanceTypeSpec = z.infer<typeof instanceTypeSpecSchema>;

/** Hourly price of a node of this type, capacity type and zone: the zone's spot price where known. */
export function nodeHourlyUsd(
  type: Pick<InstanceTypeSpec, 'onDemandHourlyUsd' | 'spotHourlyUsd' | 'spotHourlyUsdByZone'>,
  capacityType: PackingCapacityType,
  zone: string | undefined,
): number | undefined {
  if (capacityType === 'on-demand') return type.onDemandHourlyUsd;
  return (zone !== undefined ? type.spotHourlyUsdByZone?.[zone] : undefined) ?? type.spotHourlyUsd;
}

export const perNodeOverheadSchema = z.object({
  cpuMilli: quantity.default(0),
  memoryMiB: quantity.default(0),
  /** Pod slots the daemonsets take on every node. */
  pods: quantity.default(0),
  resources: resourcesSchema.optional(),
});

/** A node of the cluster today. Kept in the plan as it is when `mustStay` or it runs a do-not-disrupt pod. */
export const existingNodeSchema = z.object({
  name: z.string().min(1),
  instanceType: z.string().min(1),
  capacityType: z.enum(capacityTypes),
  zone: z.string().min(1).optional(),
  mustStay: z.boolean().default(false),
});
export type ExistingNode = z.infer<typeof existingNodeSchema>;

export const packingProblemSchema = z
  .object({
    pods: z.array(podSpecSchema),
    instanceTypes: z.array(instanceTypeSpecSchema).min(1, 'List at least one instance type.'),
    capacityTypes: z
      .array(z.enum(capacityTypes))
      .min(1, 'Allow at least one capacity type.')
      .default(['on-demand', 'spot']),
    perNodeOverhead: perNodeOverheadSchema.default({ cpuMilli: 0, memoryMiB: 0, pods: 0 }),
    /** The plan has at least this many nodes (empty ones of the cheapest type if needed). */
    minNodeCount: z.number().int().nonnegative().default(0),
    /**
     * Availability zones new nodes may use: each instance type x capacity type is offered once per zone
     * (label `topology.kubernetes.io/zone`). Empty: zones are not modelled.
     */
    zones: z.array(z.string().min(1)).default([]),
    existingNodes: z.array(existingNodeSchema).default([]),
  })
  .superRefine((problem, ctx) => {
    const seen = new Set<string>();
    for (const [n, pod] of problem.pods.entries()) {
      if (seen.has(pod.id))
        ctx.addIssue({
          code: 'custom',
          path: ['pods', n, 'id'],
          message: `Pod id "${pod.id}" is used twice.`,
        });
      seen.add(pod.id);
    }
    const names = new Set<string>();
    for (const [n, type] of problem.instanceTypes.entries()) {
      if (names.has(type.name))
        ctx.addIssue({
          code: 'custom',
          path: ['instanceTypes', n, 'name'],
          message: `Instance type "${type.name}" is listed twice.`,
        });
      names.add(type.name);
    }
    const nodeNames = new Set<string>();
    for (const [n, node] of problem.existingNodes.entries()) {
      if (nodeNames.has(node.name))
        ctx.addIssue({
          code: 'custom',
          path: ['existingNodes', n, 'name'],
          message: `Node "${node.name}" is listed twice.`,
        });
      nodeNames.add(node.name);
      const type = problem.instanceTypes.find((t) => t.name === node.instanceType);
      if (!type)
        ctx.addIssue({
          code: 'custom',
          path: ['existingNodes', n, 'instanceType'],
          message: `Node "${node.name}" runs "${node.instanceType}", which is not among instanceTypes: list it so its price is known.`,
        });
      else if (nodeHourlyUsd(type, node.capacityType, node.zone) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['existingNodes', n, 'capacityType'],
          message: `Node "${node.name}" is spot but "${type.name}" has no spot price.`,
        });
    }
    if (new Set(problem.zones).size !== problem.zones.length)
      ctx.addIssue({ code: 'custom', path: ['zones'], message: 'A zone is listed twice.' });
  });
export type PackingProblem = z.infer<typeof packingProblemSchema>;
export type PackingProblemInput = z.input<typeof packingProblemSchema>;

export interface PlannedNode {
  readonly instanceType: string;
  readonly capacityType: PackingCapacityType;
  /** Zone of the node, when the problem models zones. */
  readonly zone?: string;
  /** Name of the existing node kept as it is (must stay, or runs a do-not-disrupt pod). */
  readonly existingNode?: string;
  /** Pod copies on the node, `id#k`. */
  readonly pods: string[];
}

export interface UnplacedPod {
  readonly pod: string;
  readonly reason: string;
}

export interface PackingPlan {
  readonly nodes: PlannedNode[];
  /** Sum of the nodes' hourly prices, USD/h. */
  readonly hourlyCostUsd: number;
  /**
   * Proven lower bound on the cost of any plan that places the same pods (all but `unplaced`) under
   * the same constraints, USD/h. `hourlyCostUsd - lowerBoundHourlyUsd` is the most the plan can be
   * improved by.
   */
  readonly lowerBoundHourlyUsd: number;
  /** (cost - bound) / cost x 100, 0 when the plan is proven optimal. */
  readonly gapPct: number;
  readonly unplaced: UnplacedPod[];
  readonly stats: PackingStats;
}

/** Deterministic facts about the solve (no timings, so equal inputs give byte-identical plans). */
export interface PackingStats {
  /** Groups of pods with identical requests and constraints. */
  readonly podClasses: number;
  /** Instance type x capacity type combinations with a price. */
  readonly nodeOptions: number;
  /** Options left after removing those another option dominates (cheaper and at least as large). */
  readonly nodeOptionsKept: number;
  /** Which phase produced the plan: ffd, greedy, fluid-greedy, svc, lp-greedy, mip, dive, repack, node-elimination ... */
  readonly origin: string;
  readonly lpIterations: number;
  /** Whether the LP relaxation was solved to proven optimality (the bound is then the LP value). */
  readonly lpOptimal: boolean;
}

/** Parses a problem document; throws `InvalidPackingProblemError` listing every problem found. */
export function parsePackingProblem(input: unknown): PackingProblem {
  const result = packingProblemSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new InvalidPackingProblemError(`Invalid packing problem:\n  ${issues.join('\n  ')}`, issues);
  }
  return result.data;
}
